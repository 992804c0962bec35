"""EC2: a deleted NAT gateway lets go of its Elastic IP, as in AWS.

AWS: "When you delete a NAT gateway, its Elastic IP address is
disassociated, but not released"; the address can then be given to a new
gateway. moto marks the gateway deleted but keeps the address associated
with the gateway's network interface forever, so re-creating a deleted
gateway with the same address fails with Resource.AlreadyAssociated.
``apply()`` disassociates it, and removes the gateway's interface.
"""

from moto.ec2.models.nat_gateways import NatGatewayBackend


def apply():
    original = NatGatewayBackend.delete_nat_gateway

    def delete_nat_gateway(self, nat_gateway_id):
        nat = original(self, nat_gateway_id)
        eni = getattr(nat, "_eni", None)
        if eni is not None:
            for eip in list(self.addresses):
                if eip.eni is eni:
                    self.disassociate_address(address=eip.public_ip)
            try:
                self.delete_network_interface(eni.id)
            except Exception:  # already gone: nothing holds the address
                pass
        return nat

    NatGatewayBackend.delete_nat_gateway = delete_nat_gateway
