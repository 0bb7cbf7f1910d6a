"""The HTTP server the simulated AWS endpoints (imds.py, ssm.py, logs.py) share; awsjson.py is the
JSON protocol handler on top of it for ssm.py and logs.py."""
import socketserver
from http.server import ThreadingHTTPServer


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def server_bind(self):
        # HTTPServer.server_bind looks up the address's FQDN, which waits for DNS while the
        # network is not up yet (the services start before it); the name is not needed.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]
