package remoting

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testCert is a throwaway self-signed certificate for 127.0.0.1.
func testCert(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "remoting test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func tlsServer(t *testing.T, permissive bool) string {
	t.Helper()
	s := NewServer(ServerOptions{
		TLS:           &tls.Config{Certificates: []tls.Certificate{testCert(t)}},
		TLSPermissive: permissive,
	})
	s.RegisterProcessor(1, func(conn *Conn, req *Command) *Command {
		resp := NewResponse(Success, "")
		_, isTLS := conn.nc.(*tls.Conn)
		resp.SetExt("tls", map[bool]string{true: "yes", false: "no"}[isTLS])
		resp.Body = req.Body
		return resp
	})
	addr, err := s.Listen("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return addr.String()
}

var insecureClientTLS = &tls.Config{InsecureSkipVerify: true}

func tlsCall(c *Client, addr string) (*Command, error) {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	return c.InvokeSync(ctx, addr, NewRequest(1, nil, []byte("ping")), wait)
}

func TestPermissiveServesTLSAndPlainOnOnePort(t *testing.T) {
	addr := tlsServer(t, true)
	secure := newTestClient(t, ClientOptions{TLS: insecureClientTLS})
	plain := newTestClient(t, ClientOptions{})
	for i := 0; i < 3; i++ {
		resp, err := tlsCall(secure, addr)
		require.NoError(t, err)
		assert.Equal(t, "yes", resp.Ext("tls"))
		assert.Equal(t, "ping", string(resp.Body))

		resp, err = tlsCall(plain, addr)
		require.NoError(t, err)
		assert.Equal(t, "no", resp.Ext("tls"))
		assert.Equal(t, "ping", string(resp.Body))
	}
}

func TestEnforcingRefusesPlain(t *testing.T) {
	addr := tlsServer(t, false)
	secure := newTestClient(t, ClientOptions{TLS: insecureClientTLS})
	resp, err := tlsCall(secure, addr)
	require.NoError(t, err)
	assert.Equal(t, "yes", resp.Ext("tls"))

	plain := newTestClient(t, ClientOptions{})
	_, err = tlsCall(plain, addr)
	require.Error(t, err, "a plain client gets no answer from an enforcing server")
}

func TestPlainServerRefusesTLS(t *testing.T) {
	_, addr, _ := echoServer(t)
	secure := newTestClient(t, ClientOptions{TLS: insecureClientTLS, DialTimeout: time.Second})
	_, err := tlsCall(secure, addr)
	require.Error(t, err)
}

// A client that connects and never speaks must neither stall other clients nor keep the
// server from closing.
func TestPermissiveSilentClientAndClose(t *testing.T) {
	base := runtime.NumGoroutine()
	s := NewServer(ServerOptions{TLS: &tls.Config{Certificates: []tls.Certificate{testCert(t)}}, TLSPermissive: true})
	s.RegisterProcessor(1, func(*Conn, *Command) *Command { return NewResponse(Success, "") })
	addr, err := s.Listen("127.0.0.1:0")
	require.NoError(t, err)

	silent, err := net.Dial("tcp", addr.String())
	require.NoError(t, err)
	defer silent.Close()

	c := NewClient(ClientOptions{TLS: insecureClientTLS})
	_, err = tlsCall(c, addr.String())
	require.NoError(t, err)
	c.Close()

	done := make(chan struct{})
	go func() { s.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(wait):
		t.Fatal("Close blocked on a connection that never sent a byte")
	}
	silent.SetReadDeadline(time.Now().Add(wait))
	_, err = silent.Read(make([]byte, 1))
	assert.Error(t, err, "the silent connection was closed")

	deadline := time.Now().Add(wait)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	assert.LessOrEqual(t, runtime.NumGoroutine(), base, "goroutines left after Close")
}
