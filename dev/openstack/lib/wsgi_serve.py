"""Serves one OpenStack WSGI application on a loopback port, one process, a thread per request.

Debian ships Keystone, Placement and the Nova API as WSGI applications meant for Apache or
uWSGI; for a test bed a threaded standard-library server is enough and costs one process each.

usage: wsgi_serve.py HOST PORT MODULE:FACTORY
"""
import importlib
import sys


def main():
    host, port, target = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    module_name, factory_name = target.split(":")
    # Import the application first: the Nova API monkey-patches eventlet on import, and the
    # server below must be built on the patched socket and select modules, or its accept loop
    # blocks every green thread that is serving a request.
    factory = getattr(importlib.import_module(module_name), factory_name)
    import socketserver
    import wsgiref.simple_server as simple_server

    class ThreadingWSGIServer(socketserver.ThreadingMixIn, simple_server.WSGIServer):
        daemon_threads = True
        allow_reuse_address = True
        request_queue_size = 64

    class Handler(simple_server.WSGIRequestHandler):
        def address_string(self):
            # The default does a reverse DNS lookup per request.
            return self.client_address[0]

    # The factories parse sys.argv with oslo.config: hand them nothing of ours.
    sys.argv = [sys.argv[0]]
    application = factory()
    server = simple_server.make_server(host, port, application,
                                       server_class=ThreadingWSGIServer, handler_class=Handler)
    print("serving %s on %s:%d" % (target, host, port), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
