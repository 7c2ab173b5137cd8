"""Run moto's server on a free loopback port for the test suite.

Prints the port on the first line of stdout, then serves until its standard
input is closed. The test harness holds the write end of that pipe, so the
server goes away with the test run even if the run is killed; the harness
also stops it by PID when it exits normally.
"""

import sys

from moto.server import ThreadedMotoServer


def main() -> None:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    _, port = server.get_host_and_port()
    print(port, flush=True)
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    main()
