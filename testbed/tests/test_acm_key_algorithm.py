"""A certificate reports the key algorithm it was requested with."""

from .realistic_base import RealisticCase


class CertificateKeyAlgorithm(RealisticCase):
    REALISTIC = False

    def test_the_key_algorithm_asked_for_is_the_one_described(self):
        acm = self.client("acm")
        ec = acm.request_certificate(DomainName="ec.example.com", ValidationMethod="DNS", KeyAlgorithm="EC_prime256v1")
        rsa = acm.request_certificate(DomainName="rsa.example.com", ValidationMethod="DNS")

        def algorithm(arn):
            return acm.describe_certificate(CertificateArn=arn)["Certificate"]["KeyAlgorithm"]

        self.assertEqual(algorithm(ec["CertificateArn"]), "EC_prime256v1")
        self.assertEqual(algorithm(rsa["CertificateArn"]), "RSA_2048")
