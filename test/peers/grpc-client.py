# A gRPC client from python3-grpcio on one channel: Say twice, then Fail. Prints each
# response length, then the failing call's status code. Usage: grpc-client.py PORT
import sys
import grpc
channel = grpc.insecure_channel('127.0.0.1:' + sys.argv[1])
say = channel.unary_unary('/test.Echo/Say')
fail = channel.unary_unary('/test.Echo/Fail')
print(len(say(b'hello' * 10)))
print(len(say(b'again')))
try:
    fail(b'x')
except grpc.RpcError as error:
    print(error.code().value[0])
