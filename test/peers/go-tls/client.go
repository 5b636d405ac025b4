// An HTTPS client on Go's crypto/tls, HTTP/1.1 keep-alive: go run client.go BASE-URL PATH...
// Waits for a line on stdin before it starts, then sends each path in turn (a
// path starting with "POST " is posted with a body) and prints "STATUS BYTES" for each.
package main

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
)

func main() {
	transport := &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
		TLSNextProto:    map[string]func(string, *tls.Conn) http.RoundTripper{},
	}
	client := &http.Client{Transport: transport}
	fmt.Println("ready")
	bufio.NewReader(os.Stdin).ReadString('\n')
	for _, path := range os.Args[2:] {
		var response *http.Response
		var err error
		if strings.HasPrefix(path, "POST ") {
			response, err = client.Post(os.Args[1]+strings.TrimPrefix(path, "POST "), "text/plain", strings.NewReader(strings.Repeat("x", 3000)))
		} else {
			response, err = client.Get(os.Args[1] + path)
		}
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(response.Body)
		response.Body.Close()
		fmt.Println(response.StatusCode, len(body))
	}
}
