package devbroker

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rocketmq-go/librocketmq/core/remoting"
)

func tlsClient(t *testing.T, cfg *tls.Config) *remoting.Client {
	c := remoting.NewClient(remoting.ClientOptions{TLS: cfg, DialTimeout: 2 * time.Second})
	t.Cleanup(func() { c.Close() })
	return c
}

var skipVerify = &tls.Config{InsecureSkipVerify: true}

// tryCall is one request with a short bound; a refused connection is an error.
func tryCall(c *remoting.Client, addr string, req *remoting.Command) (*remoting.Command, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	return c.InvokeSync(ctx, addr, req, 3*time.Second)
}

// bothPorts asks the name server for a route and sends a message to the broker.
func bothPorts(c *remoting.Client, b *Broker) error {
	resp, err := tryCall(c, b.NameServerAddr(), routeRequest("T", remoting.Version))
	if err != nil {
		return err
	}
	if resp.Code != remoting.Success {
		return resp.AsError()
	}
	resp, err = tryCall(c, b.BrokerAddr(), remoting.NewRequest(remoting.SendMessageV2, wireSendV2("T", 0, nil, false), []byte("x")))
	if err != nil {
		return err
	}
	if resp.Code != remoting.Success {
		return resp.AsError()
	}
	return nil
}

func TestTLSPermissiveServesBoth(t *testing.T) {
	b := mgmtBroker(t, Config{TLS: &TLSConfig{}}) // mode defaults to permissive
	require.NoError(t, b.CreateTopic("T", 1))
	require.NoError(t, bothPorts(tlsClient(t, skipVerify), b), "TLS client")
	require.NoError(t, bothPorts(tlsClient(t, nil), b), "plain client")
}

func TestTLSEnforcingRefusesPlain(t *testing.T) {
	b := mgmtBroker(t, Config{TLS: &TLSConfig{Mode: TLSEnforcing}})
	require.NoError(t, b.CreateTopic("T", 1))
	require.NoError(t, bothPorts(tlsClient(t, skipVerify), b), "TLS client")

	plain := tlsClient(t, nil)
	_, err := tryCall(plain, b.NameServerAddr(), routeRequest("T", remoting.Version))
	assert.Error(t, err, "plain client on the name server port")
	_, err = tryCall(plain, b.BrokerAddr(), remoting.NewRequest(remoting.GetMaxOffset, map[string]string{"topic": "T", "queueId": "0"}, nil))
	assert.Error(t, err, "plain client on the broker port")
}

func TestTLSDisabledRefusesTLS(t *testing.T) {
	b := mgmtBroker(t, Config{TLS: &TLSConfig{Mode: TLSDisabled}})
	require.NoError(t, b.CreateTopic("T", 1))
	require.NoError(t, bothPorts(tlsClient(t, nil), b), "plain client")
	_, err := tryCall(tlsClient(t, skipVerify), b.NameServerAddr(), routeRequest("T", remoting.Version))
	assert.Error(t, err)
}

// A certificate from PEM files is served, and a client that trusts it verifies it.
func TestTLSCertificateFromFiles(t *testing.T) {
	cert, err := GenerateSelfSignedCert()
	require.NoError(t, err)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600))

	b := mgmtBroker(t, Config{TLS: &TLSConfig{Mode: TLSEnforcing, CertFile: certFile, KeyFile: keyFile}})
	require.NoError(t, b.CreateTopic("T", 1))
	roots := x509.NewCertPool()
	roots.AddCert(cert.Leaf)
	require.NoError(t, bothPorts(tlsClient(t, &tls.Config{RootCAs: roots}), b), "verifying client")

	// Another self-signed certificate is not trusted by that client.
	other, err := GenerateSelfSignedCert()
	require.NoError(t, err)
	b2 := mgmtBroker(t, Config{TLS: &TLSConfig{Mode: TLSEnforcing, Certificate: &other}})
	_, err = tryCall(tlsClient(t, &tls.Config{RootCAs: roots}), b2.NameServerAddr(), routeRequest("T", remoting.Version))
	assert.ErrorContains(t, err, "certificate")
}

func TestTLSConfigErrors(t *testing.T) {
	_, err := Start(Config{NameServerAddr: "127.0.0.1:0", BrokerAddr: "127.0.0.1:0", TLS: &TLSConfig{Mode: "strict"}})
	assert.ErrorContains(t, err, "unknown TLS mode")
	_, err = Start(Config{NameServerAddr: "127.0.0.1:0", BrokerAddr: "127.0.0.1:0", TLS: &TLSConfig{CertFile: "/nonexistent.pem", KeyFile: "/nonexistent.key"}})
	assert.ErrorContains(t, err, "TLS certificate")

	m, err := ParseTLSMode(" Enforcing ")
	require.NoError(t, err)
	assert.Equal(t, TLSEnforcing, m)
}

func TestTLSNoGoroutineSurvivesClose(t *testing.T) {
	base := runtime.NumGoroutine()
	b, err := Start(Config{NameServerAddr: "127.0.0.1:0", BrokerAddr: "127.0.0.1:0", TLS: &TLSConfig{}})
	require.NoError(t, err)
	require.NoError(t, b.CreateTopic("T", 1))
	secure := remoting.NewClient(remoting.ClientOptions{TLS: skipVerify})
	plain := remoting.NewClient(remoting.ClientOptions{})
	require.NoError(t, bothPorts(secure, b))
	require.NoError(t, bothPorts(plain, b))
	// Closing the broker first leaves the clients' connections to be closed by it.
	b.Close()
	secure.Close()
	plain.Close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	assert.LessOrEqual(t, runtime.NumGoroutine(), base, "goroutines left after Close")
}
