package tlsconfig

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pki is a throwaway CA with a broker and a client certificate, written as PEM files.
type pki struct {
	dir                   string
	ca                    *x509.Certificate
	caKey                 *ecdsa.PrivateKey
	caPath                string
	serverCert            tls.Certificate
	clientCert, clientKey string // paths
	clientCN              string
	clientKeyPriv         *ecdsa.PrivateKey
	serverCertFromOtherCA tls.Certificate
}

var serial int64

func newKey(t *testing.T) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	return k
}

func issue(t *testing.T, tmpl *x509.Certificate, key *ecdsa.PrivateKey, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) []byte {
	serial++
	tmpl.SerialNumber = big.NewInt(serial)
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	tmpl.NotAfter = time.Now().Add(time.Hour)
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	require.NoError(t, err)
	return der
}

func newCA(t *testing.T, name string) (*x509.Certificate, *ecdsa.PrivateKey) {
	key := newKey(t)
	der := issue(t, &x509.Certificate{
		Subject: pkix.Name{CommonName: name}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign,
	}, key, nil, nil)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return cert, key
}

func serverCert(t *testing.T, ca *x509.Certificate, caKey *ecdsa.PrivateKey) tls.Certificate {
	key := newKey(t)
	// Named for a host, not for 127.0.0.1 which the test dials: the C++ client never
	// checks names, and neither do we with a private CA.
	der := issue(t, &x509.Certificate{
		Subject: pkix.Name{CommonName: "broker-a"}, DNSNames: []string{"broker-a.example"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature,
	}, key, ca, caKey)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func writePEM(t *testing.T, path, typ string, der []byte) string {
	require.NoError(t, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600))
	return path
}

func newPKI(t *testing.T) *pki {
	p := &pki{dir: t.TempDir(), clientCN: "producer-1"}
	p.ca, p.caKey = newCA(t, "test CA")
	p.caPath = writePEM(t, filepath.Join(p.dir, "ca.pem"), "CERTIFICATE", p.ca.Raw)
	p.serverCert = serverCert(t, p.ca, p.caKey)

	p.clientKeyPriv = newKey(t)
	clientDER := issue(t, &x509.Certificate{
		Subject:     pkix.Name{CommonName: p.clientCN},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, KeyUsage: x509.KeyUsageDigitalSignature,
	}, p.clientKeyPriv, p.ca, p.caKey)
	p.clientCert = writePEM(t, filepath.Join(p.dir, "client.pem"), "CERTIFICATE", clientDER)
	keyDER, err := x509.MarshalPKCS8PrivateKey(p.clientKeyPriv)
	require.NoError(t, err)
	p.clientKey = writePEM(t, filepath.Join(p.dir, "client.key"), "PRIVATE KEY", keyDER)

	other, otherKey := newCA(t, "other CA")
	p.serverCertFromOtherCA = serverCert(t, other, otherKey)
	return p
}

func (p *pki) props(t *testing.T, text string) string {
	path := filepath.Join(p.dir, "tls.properties")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	return path
}

// handshake runs one TLS handshake between cfg and a server with cert that requires a
// client certificate from p's CA when mutual is set. It returns the client's error and
// the common name the server saw.
func handshake(t *testing.T, p *pki, cert tls.Certificate, mutual bool, cfg *tls.Config) (clientCN string, err error) {
	t.Helper()
	srvCfg := &tls.Config{Certificates: []tls.Certificate{cert}}
	if mutual {
		pool := x509.NewCertPool()
		pool.AddCert(p.ca)
		srvCfg.ClientCAs = pool
		srvCfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", srvCfg)
	require.NoError(t, err)
	defer ln.Close()
	seen := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			seen <- ""
			return
		}
		defer c.Close()
		tc := c.(*tls.Conn)
		_ = tc.SetDeadline(time.Now().Add(5 * time.Second))
		if tc.Handshake() != nil {
			seen <- ""
			return
		}
		cn := ""
		if peers := tc.ConnectionState().PeerCertificates; len(peers) > 0 {
			cn = peers[0].Subject.CommonName
		}
		seen <- cn
		_, _ = tc.Write([]byte{1}) // lets the client see a late rejection (TLS 1.3)
	}()

	// As remoting.Client dials.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d := tls.Dialer{Config: cfg}
	conn, err := d.DialContext(ctx, "tcp", ln.Addr().String())
	if err == nil {
		_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
		_, err = conn.Read(make([]byte, 1))
		conn.Close()
	}
	return <-seen, err
}

func TestMutualTLS(t *testing.T) {
	p := newPKI(t)
	cfg, err := Load(p.props(t, strings.Join([]string{
		"tls.client.keyPath=" + p.clientKey,
		"tls.client.certPath=" + p.clientCert,
		"tls.client.trustCertPath=" + p.caPath,
		"tls.client.authServer=true",
	}, "\n")))
	require.NoError(t, err)
	cn, err := handshake(t, p, p.serverCert, true, cfg)
	require.NoError(t, err)
	assert.Equal(t, p.clientCN, cn, "the broker saw our client certificate")
}

func TestServerFromAnotherCARejected(t *testing.T) {
	p := newPKI(t)
	cfg, err := Load(p.props(t, "tls.client.trustCertPath="+p.caPath+"\n"))
	require.NoError(t, err)
	_, err = handshake(t, p, p.serverCertFromOtherCA, false, cfg)
	assert.ErrorContains(t, err, "not trusted")

	// authServer is on unless it says false; anything else keeps it on.
	cfg, err = Load(p.props(t, "tls.client.trustCertPath="+p.caPath+"\ntls.client.authServer=no\n"))
	require.NoError(t, err)
	_, err = handshake(t, p, p.serverCertFromOtherCA, false, cfg)
	assert.Error(t, err)
}

func TestAuthServerFalseAcceptsAnyServer(t *testing.T) {
	p := newPKI(t)
	cfg, err := Load(p.props(t, "tls.client.trustCertPath="+p.caPath+"\ntls.client.authServer =  FALSE \n"))
	require.NoError(t, err)
	assert.True(t, cfg.InsecureSkipVerify)
	_, err = handshake(t, p, p.serverCertFromOtherCA, false, cfg)
	assert.NoError(t, err)
}

// Without a trust store the system's CAs decide, with the host name check: a private
// broker certificate is refused.
func TestNoTrustStoreUsesSystemRoots(t *testing.T) {
	p := newPKI(t)
	s := Settings{AuthServer: true}
	cfg, err := s.Config()
	require.NoError(t, err)
	assert.False(t, cfg.InsecureSkipVerify)
	assert.Nil(t, cfg.RootCAs)
	_, err = handshake(t, p, p.serverCert, false, cfg)
	assert.Error(t, err)
}

func TestMissingFiles(t *testing.T) {
	p := newPKI(t)

	_, err := Load(filepath.Join(p.dir, "nope.properties"))
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.ErrorContains(t, err, "nope.properties")
	assert.ErrorContains(t, err, "SetProducerSslPropertyFile")

	_, err = Load(p.props(t, "tls.client.trustCertPath="+filepath.Join(p.dir, "missing-ca.pem")))
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.ErrorContains(t, err, "trustCertPath")

	_, err = Load(p.props(t, "tls.client.certPath="+p.clientCert+"\ntls.client.keyPath="+filepath.Join(p.dir, "missing.key")))
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.ErrorContains(t, err, "keyPath")

	_, err = Load(p.props(t, "tls.client.certPath="+p.clientCert+"\n"))
	assert.ErrorContains(t, err, "go together")

	_, err = Load(p.props(t, "tls.client.trustCertPath="+p.clientKey))
	assert.ErrorContains(t, err, "no PEM certificate")

	// A key that does not belong to the certificate.
	strayDER, err := x509.MarshalPKCS8PrivateKey(newKey(t))
	require.NoError(t, err)
	stray := writePEM(t, filepath.Join(p.dir, "stray.key"), "PRIVATE KEY", strayDER)
	_, err = Load(p.props(t, "tls.client.certPath="+p.clientCert+"\ntls.client.keyPath="+stray))
	assert.Error(t, err)
}

// Keys absent from the file fall back to the C++ client's default paths, but only when
// those exist; keys present, even empty, are used as written.
func TestDefaultPaths(t *testing.T) {
	p := newPKI(t)
	saved := defaults
	t.Cleanup(func() { defaults = saved })

	defaults.key, defaults.cert, defaults.trust = filepath.Join(p.dir, "absent.key"), filepath.Join(p.dir, "absent.pem"), filepath.Join(p.dir, "absent-ca.pem")
	s, err := ReadSettings(p.props(t, "# nothing set\n"))
	require.NoError(t, err)
	assert.Equal(t, Settings{AuthServer: true}, s)

	defaults.key, defaults.cert, defaults.trust = p.clientKey, p.clientCert, p.caPath
	s, err = ReadSettings(p.props(t, ""))
	require.NoError(t, err)
	assert.Equal(t, Settings{KeyPath: p.clientKey, CertPath: p.clientCert, TrustCertPath: p.caPath, AuthServer: true}, s)

	s, err = ReadSettings(p.props(t, "tls.client.trustCertPath=\n"))
	require.NoError(t, err)
	assert.Empty(t, s.TrustCertPath)
	assert.Equal(t, p.clientCert, s.CertPath)

	cfg, err := s.Config()
	require.NoError(t, err)
	assert.Len(t, cfg.Certificates, 1)
}

func TestEncryptedKeys(t *testing.T) {
	p := newPKI(t)
	// Legacy PEM encryption, as `openssl ec -aes256` writes it, made here by Go's own
	// (deprecated) encoder.
	sec1, err := x509.MarshalECPrivateKey(p.clientKeyPriv)
	require.NoError(t, err)
	block, err := x509.EncryptPEMBlock(rand.Reader, "EC PRIVATE KEY", sec1, []byte("s3cret"), x509.PEMCipherAES256)
	require.NoError(t, err)
	legacy := filepath.Join(p.dir, "legacy.key")
	require.NoError(t, os.WriteFile(legacy, pem.EncodeToMemory(block), 0o600))

	base := "tls.client.certPath=" + p.clientCert + "\ntls.client.keyPath=" + legacy + "\ntls.client.trustCertPath=" + p.caPath + "\n"
	cfg, err := Load(p.props(t, base+"tls.client.keyPassword=s3cret  \n"))
	require.NoError(t, err)
	cn, err := handshake(t, p, p.serverCert, true, cfg)
	require.NoError(t, err)
	assert.Equal(t, p.clientCN, cn)

	_, err = Load(p.props(t, base))
	assert.ErrorIs(t, err, ErrKeyPassword)
	_, err = Load(p.props(t, base+"tls.client.keyPassword=wrong\n"))
	assert.ErrorIs(t, err, ErrKeyPassword)
}

// The fixtures in testdata are one P-256 key, plain.key, encrypted by OpenSSL 3.0 with the
// password "rocketmq":
//
//	openssl pkcs8 -topk8 -v2 aes-256-cbc -passout pass:rocketmq -in plain.key -out pbes2-aes256-sha256.key
//	openssl pkcs8 -topk8 -v2 aes-128-cbc -v2prf hmacWithSHA1 -passout pass:rocketmq -in plain.key -out pbes2-aes128-sha1.key
//	openssl pkcs8 -topk8 -v2 des3 -passout pass:rocketmq -in plain.key -out pbes2-des3.key
//	openssl pkcs8 -topk8 -v1 PBE-SHA1-3DES -passout pass:rocketmq -in plain.key -out pbes1-sha1-3des.key
//	openssl ec -aes256 -passout pass:rocketmq -in plain.key -out legacy-aes256.key
func TestOpenSSLEncryptedKeys(t *testing.T) {
	plainPEM, err := os.ReadFile("testdata/plain.key")
	require.NoError(t, err)
	want := parseKey(t, plainPEM)

	for _, name := range []string{"pbes2-aes256-sha256.key", "pbes2-aes128-sha1.key", "pbes2-des3.key", "legacy-aes256.key"} {
		t.Run(name, func(t *testing.T) {
			enc, err := os.ReadFile(filepath.Join("testdata", name))
			require.NoError(t, err)
			got, err := decryptKeyPEM(enc, "rocketmq")
			require.NoError(t, err)
			assert.True(t, want.Equal(parseKey(t, got)))

			_, err = decryptKeyPEM(enc, "not it")
			assert.ErrorIs(t, err, ErrKeyPassword)
			_, err = decryptKeyPEM(enc, "")
			assert.ErrorIs(t, err, ErrKeyPassword)
		})
	}

	enc, err := os.ReadFile("testdata/pbes1-sha1-3des.key")
	require.NoError(t, err)
	_, err = decryptKeyPEM(enc, "rocketmq")
	assert.ErrorContains(t, err, "openssl pkcs8 -topk8 -v2")
}

func parseKey(t *testing.T, keyPEM []byte) *ecdsa.PrivateKey {
	t.Helper()
	block, _ := pem.Decode(keyPEM)
	require.NotNil(t, block)
	var k any
	var err error
	switch block.Type {
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		k, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	}
	require.NoError(t, err)
	return k.(*ecdsa.PrivateKey)
}

func TestDecryptGarbage(t *testing.T) {
	for _, in := range [][]byte{
		nil,
		[]byte("not pem"),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}}),
		pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{0x30, 0x03, 0x02, 0x01, 0x01}}),
	} {
		_, err := decryptKeyPEM(in, "pw")
		assert.Error(t, err)
		assert.False(t, errors.Is(err, ErrKeyPassword), "%v is about the data, not the password", err)
	}
}
