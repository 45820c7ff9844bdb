package devbroker

// TLS on both ports, with the modes of the Java remoting server (TlsMode, TlsHelper,
// NettyRemotingServer's HandshakeHandler, TlsSystemConfig).
//
// Behaviour, as 4.9.x:
//   - permissive (tls.server.mode's default, and ours once TLS is configured) serves TLS
//     and plain clients on the same port, told apart by the first byte (0x16 opens a TLS
//     handshake); enforcing serves TLS only; disabled serves plain only.
//   - Without a certificate the server makes a self-signed one in memory, as Java does in
//     its tls.test.mode.enable (on by default); clients then skip verification, as Java's
//     test-mode clients do.
//   - No client certificate is asked for (tls.server.need.client.auth=none).
//
// Simplifications and differences:
//   - Config.TLS nil is disabled. A stock Java broker is permissive with a self-signed
//     certificate even when nobody configured TLS; we serve TLS only when asked to.
//   - PEM certificate and key files only: no encrypted keys (tls.server.keyPassword), no
//     trust store for client authentication.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"strings"
	"time"
)

// TLSMode is the Java server's tls.server.mode.
type TLSMode string

const (
	TLSDisabled   TLSMode = "disabled"
	TLSPermissive TLSMode = "permissive"
	TLSEnforcing  TLSMode = "enforcing"
)

// ParseTLSMode reads a mode name as Java's TlsMode.parse does, in any case.
func ParseTLSMode(s string) (TLSMode, error) {
	switch m := TLSMode(strings.ToLower(strings.TrimSpace(s))); m {
	case TLSDisabled, TLSPermissive, TLSEnforcing:
		return m, nil
	}
	return "", fmt.Errorf("devbroker: unknown TLS mode %q (want disabled, permissive or enforcing)", s)
}

// TLSConfig serves TLS on the name server and broker ports.
type TLSConfig struct {
	// Mode defaults to permissive.
	Mode TLSMode
	// CertFile and KeyFile are PEM files. Certificate, when set, is used instead. With
	// neither, a self-signed certificate is generated at Start.
	CertFile    string
	KeyFile     string
	Certificate *tls.Certificate
}

// server returns the servers' TLS configuration, or nil when TLS is off.
func (c *TLSConfig) server() (cfg *tls.Config, permissive bool, err error) {
	if c == nil {
		return nil, false, nil
	}
	mode := c.Mode
	if mode == "" {
		mode = TLSPermissive
	}
	if mode, err = ParseTLSMode(string(mode)); err != nil {
		return nil, false, err
	}
	if mode == TLSDisabled {
		return nil, false, nil
	}
	var cert tls.Certificate
	switch {
	case c.Certificate != nil:
		cert = *c.Certificate
	case c.CertFile != "" || c.KeyFile != "":
		if cert, err = tls.LoadX509KeyPair(c.CertFile, c.KeyFile); err != nil {
			return nil, false, fmt.Errorf("devbroker: TLS certificate: %w", err)
		}
	default:
		if cert, err = GenerateSelfSignedCert(); err != nil {
			return nil, false, err
		}
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, mode == TLSPermissive, nil
}

// GenerateSelfSignedCert makes a certificate for localhost, 127.0.0.1 and ::1 valid for ten
// years, with a fresh P-256 key. Clients must skip verification (or trust it explicitly).
func GenerateSelfSignedCert() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("devbroker: self-signed certificate: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("devbroker: self-signed certificate: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "localhost", Organization: []string{"rocketmq-devbroker"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("devbroker: self-signed certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("devbroker: self-signed certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}
