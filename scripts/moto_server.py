"""Run moto's server on a free loopback port for the test suite.

Prints the port on the first line of stdout, then serves until its standard
input is closed. The test harness holds the write end of that pipe, so the
server goes away with the test run even if the run is killed; the harness
also stops it by PID when it exits normally.
"""

import sys

from moto.iam.responses import IamResponse
from moto.server import ThreadedMotoServer


def list_service_specific_credentials(self: IamResponse) -> str:
    """IAM's answer for a user without service-specific credentials.

    moto 5 implements neither `ListServiceSpecificCredentials` nor
    `CreateServiceSpecificCredential` (it answers 500), so no user on it can
    have one and the empty list is the true answer. `delete-user` lists them
    because IAM refuses `DeleteUser` while a user has any:
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteUser.html
    """
    self.backend.get_user(self._get_param("UserName"))  # NoSuchEntity, as IAM
    return (
        '<ListServiceSpecificCredentialsResponse '
        'xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
        "<ListServiceSpecificCredentialsResult><ServiceSpecificCredentials/>"
        "</ListServiceSpecificCredentialsResult>"
        "<ResponseMetadata><RequestId>moto-server-py</RequestId></ResponseMetadata>"
        "</ListServiceSpecificCredentialsResponse>"
    )


def main() -> None:
    if not hasattr(IamResponse, "list_service_specific_credentials"):
        IamResponse.list_service_specific_credentials = list_service_specific_credentials
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    _, port = server.get_host_and_port()
    print(port, flush=True)
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    main()
