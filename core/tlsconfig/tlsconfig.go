package tlsconfig

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
)

// DefaultPropertyFile is where upstream's C++ client looks when SetProducerSslPropertyFile
// was never called.
const DefaultPropertyFile = "/etc/rocketmq/tls.properties"

// The keys read from the property file, the same as the Java client's.
const (
	KeyKeyPath       = "tls.client.keyPath"
	KeyKeyPassword   = "tls.client.keyPassword"
	KeyCertPath      = "tls.client.certPath"
	KeyTrustCertPath = "tls.client.trustCertPath"
	KeyAuthServer    = "tls.client.authServer"
)

// Files the C++ client falls back to for a key missing from the property file. Like it,
// we use one only if it exists.
const (
	DefaultKeyPath       = "/etc/rocketmq/client.key"
	DefaultCertPath      = "/etc/rocketmq/client.pem"
	DefaultTrustCertPath = "/etc/rocketmq/ca.pem"
)

// defaults is a variable so tests need not own /etc/rocketmq.
var defaults = struct{ key, cert, trust string }{DefaultKeyPath, DefaultCertPath, DefaultTrustCertPath}

// Settings are the TLS settings of a property file, paths resolved.
type Settings struct {
	// KeyPath and CertPath are the client's key and certificate (PEM), both or neither;
	// brokers with tls.server.need.client.auth ask for them.
	KeyPath  string
	CertPath string
	// KeyPassword decrypts an encrypted KeyPath.
	KeyPassword string
	// TrustCertPath holds the CA certificates (PEM) that vouch for the brokers.
	TrustCertPath string
	// AuthServer verifies the broker's certificate. True unless the file says exactly
	// "false" (any case, blanks trimmed), as in the C++ client; Java's client defaults
	// to false instead.
	AuthServer bool
}

// ReadSettings reads a property file ("" means DefaultPropertyFile). A file that cannot
// be read is an error: the C++ client logs a warning and carries on with its default
// paths, which leaves a client that fails every handshake for reasons its user must dig
// out of a log; with TLS switched on, no settings is a configuration error, said at once.
func ReadSettings(path string) (Settings, error) {
	if path == "" {
		path = DefaultPropertyFile
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return Settings{}, fmt.Errorf("tlsconfig: TLS is on but its property file cannot be read (set another with SetProducerSslPropertyFile): %w", err)
	}
	props, err := ParseProperties(string(data))
	if err != nil {
		return Settings{}, fmt.Errorf("tlsconfig: %s: %w", path, err)
	}
	return settingsFrom(props), nil
}

func settingsFrom(props map[string]string) Settings {
	s := Settings{AuthServer: true}
	// A key that is present is used as written, even empty (which switches that file
	// off); an absent key falls back to the default file if there is one.
	path := func(key, def string) string {
		if v, ok := props[key]; ok {
			return strings.TrimSpace(v)
		}
		if _, err := os.Stat(def); err == nil {
			return def
		}
		return ""
	}
	s.KeyPath = path(KeyKeyPath, defaults.key)
	s.CertPath = path(KeyCertPath, defaults.cert)
	s.TrustCertPath = path(KeyTrustCertPath, defaults.trust)
	// Trimmed like the C++ client's values: a stray blank at the end of the line is far
	// likelier than a password that ends in one.
	s.KeyPassword = strings.TrimSpace(props[KeyKeyPassword])
	if v, ok := props[KeyAuthServer]; ok && strings.EqualFold(strings.TrimSpace(v), "false") {
		s.AuthServer = false
	}
	return s
}

// Load reads a property file and builds the client's TLS configuration from it.
func Load(path string) (*tls.Config, error) {
	s, err := ReadSettings(path)
	if err != nil {
		return nil, err
	}
	return s.Config()
}

// Config builds a client *tls.Config.
//
// With AuthServer and a TrustCertPath, the broker's certificate chain must lead to one
// of those CAs, but its names are not checked against the address dialled. That is what
// the C++ client does (it never gives OpenSSL a host name), and it is what RocketMQ
// deployments expect: clients reach brokers at the IP addresses the name server hands
// out, and a private CA's broker certificates seldom list them.
//
// With AuthServer and no TrustCertPath, the system's CAs decide and the usual host name
// check applies, since a public CA vouches only for names. (The C++ client has no CA
// then and fails every handshake.)
//
// Without AuthServer, any certificate is accepted: the connection is encrypted but not
// authenticated, as with upstream's authServer=false (InsecureSkipVerify).
func (s Settings) Config() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}

	if (s.CertPath == "") != (s.KeyPath == "") {
		return nil, fmt.Errorf("tlsconfig: %s and %s go together; only one is set (certPath %q, keyPath %q)",
			KeyCertPath, KeyKeyPath, s.CertPath, s.KeyPath)
	}
	if s.CertPath != "" {
		cert, err := loadKeyPair(s.CertPath, s.KeyPath, s.KeyPassword)
		if err != nil {
			return nil, err
		}
		cfg.Certificates = []tls.Certificate{cert}
	}

	if !s.AuthServer {
		cfg.InsecureSkipVerify = true
		return cfg, nil
	}
	if s.TrustCertPath == "" {
		return cfg, nil
	}
	pemData, err := os.ReadFile(s.TrustCertPath)
	if err != nil {
		return nil, fmt.Errorf("tlsconfig: %s: %w", KeyTrustCertPath, err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pemData) {
		return nil, fmt.Errorf("tlsconfig: %s: no PEM certificate in %s", KeyTrustCertPath, s.TrustCertPath)
	}
	// Go checks chain and name together; turning its check off and doing the chain part
	// ourselves is the supported way to leave the name out.
	cfg.InsecureSkipVerify = true
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("tlsconfig: the server sent no certificate")
		}
		opts := x509.VerifyOptions{Roots: roots, Intermediates: x509.NewCertPool()}
		for _, c := range cs.PeerCertificates[1:] {
			opts.Intermediates.AddCert(c)
		}
		if _, err := cs.PeerCertificates[0].Verify(opts); err != nil {
			return fmt.Errorf("tlsconfig: server certificate not trusted by %s: %w", s.TrustCertPath, err)
		}
		return nil
	}
	return cfg, nil
}

func loadKeyPair(certPath, keyPath, password string) (tls.Certificate, error) {
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("tlsconfig: %s: %w", KeyCertPath, err)
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("tlsconfig: %s: %w", KeyKeyPath, err)
	}
	keyPEM, err = decryptKeyPEM(keyPEM, password)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("tlsconfig: %s %s: %w", KeyKeyPath, keyPath, err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("tlsconfig: %s %s with %s %s: %w", KeyCertPath, certPath, KeyKeyPath, keyPath, err)
	}
	return cert, nil
}
