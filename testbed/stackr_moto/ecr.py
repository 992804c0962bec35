"""ECR repositories' scanning setting, as AWS documents it.

- PutImageScanningConfiguration with ``scanOnPush`` left out turns scanning
  on push off: the field defaults to false
  (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ImageScanningConfiguration.html).
  AWS SDKs leave a false boolean out of the request, and moto kept the old
  setting for an empty configuration, so turning scanning off never took.
"""

from moto.ecr.models import Repository

_update = Repository._update_image_scanning_configuration


def apply():
    if getattr(Repository, "_stackr_scan_default", False):
        return

    def update(self, image_scanning_configuration=None):
        if image_scanning_configuration is not None:
            self.image_scanning_configuration = {
                "scanOnPush": bool(image_scanning_configuration.get("scanOnPush", False))
            }
            return
        return _update(self, image_scanning_configuration=image_scanning_configuration)

    Repository._update_image_scanning_configuration = update
    Repository._stackr_scan_default = True
