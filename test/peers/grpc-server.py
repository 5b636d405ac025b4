# A gRPC server from python3-grpcio with generic handlers (no generated code): test.Echo/Say
# echoes its request, test.Echo/Fail aborts with NOT_FOUND (5). Prints "port N".
import sys
from concurrent import futures
import grpc

def say(request, context):
    return request

def fail(request, context):
    context.abort(grpc.StatusCode.NOT_FOUND, 'no such thing')

handler = grpc.method_handlers_generic_handler('test.Echo', {
    'Say': grpc.unary_unary_rpc_method_handler(say),
    'Fail': grpc.unary_unary_rpc_method_handler(fail),
})
server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
server.add_generic_rpc_handlers((handler,))
port = server.add_insecure_port('127.0.0.1:0')
server.start()
print('port', port, flush=True)
server.wait_for_termination()
