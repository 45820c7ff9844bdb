package tlsconfig

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
	"strings"
)

// ErrKeyPassword is wrapped by the errors for an encrypted key with no password, or the
// wrong one (where the format lets us tell).
var ErrKeyPassword = errors.New("tlsconfig: wrong or missing tls.client.keyPassword")

// decryptKeyPEM returns keyPEM with its private key decrypted. Three forms are read:
// plain keys; OpenSSL's legacy PEM encryption ("Proc-Type: 4,ENCRYPTED", what
// `openssl rsa -aes256` writes); and PKCS#8 "ENCRYPTED PRIVATE KEY" with PBES2 (PBKDF2,
// AES-CBC or 3DES-CBC), what `openssl pkcs8 -topk8` and `openssl genpkey -aes256` write
// today. The older PKCS#12 schemes (-v1 PBE-SHA1-RC4-128 and friends) are refused with a
// command to convert the key.
func decryptKeyPEM(keyPEM []byte, password string) ([]byte, error) {
	rest := keyPEM
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errors.New("no PEM private key found")
		}
		if !strings.HasSuffix(block.Type, "PRIVATE KEY") {
			continue
		}
		// Deprecated in Go because the scheme is weak, but key files made with it exist.
		if x509.IsEncryptedPEMBlock(block) {
			if password == "" {
				return nil, fmt.Errorf("the key is encrypted: %w", ErrKeyPassword)
			}
			der, err := x509.DecryptPEMBlock(block, []byte(password))
			if err != nil {
				return nil, fmt.Errorf("%w (%v)", ErrKeyPassword, err)
			}
			return pem.EncodeToMemory(&pem.Block{Type: block.Type, Bytes: der}), nil
		}
		if block.Type == "ENCRYPTED PRIVATE KEY" {
			if password == "" {
				return nil, fmt.Errorf("the key is encrypted: %w", ErrKeyPassword)
			}
			der, err := decryptPKCS8(block.Bytes, password)
			if err != nil {
				return nil, err
			}
			return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
		}
		return pem.EncodeToMemory(block), nil
	}
}

// ASN.1 of RFC 5958 EncryptedPrivateKeyInfo and RFC 8018 PBES2.
type encryptedPrivateKeyInfo struct {
	Algo pkix.AlgorithmIdentifier
	Data []byte
}

type pbes2Params struct {
	KDF pkix.AlgorithmIdentifier
	Enc pkix.AlgorithmIdentifier
}

type pbkdf2Params struct {
	Salt       []byte
	Iterations int
	KeyLength  int                      `asn1:"optional"`
	PRF        pkix.AlgorithmIdentifier `asn1:"optional"`
}

var (
	oidPBES2  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}

	prfs = map[string]func() hash.Hash{
		"1.2.840.113549.2.7":  sha1.New, // hmacWithSHA1, the default when absent
		"1.2.840.113549.2.8":  sha256.New224,
		"1.2.840.113549.2.9":  sha256.New,
		"1.2.840.113549.2.10": sha512.New384,
		"1.2.840.113549.2.11": sha512.New,
	}

	ciphers = map[string]struct {
		keyLen int
		block  func([]byte) (cipher.Block, error)
	}{
		"2.16.840.1.101.3.4.1.2":  {16, aes.NewCipher},          // aes128-CBC
		"2.16.840.1.101.3.4.1.22": {24, aes.NewCipher},          // aes192-CBC
		"2.16.840.1.101.3.4.1.42": {32, aes.NewCipher},          // aes256-CBC
		"1.2.840.113549.3.7":      {24, des.NewTripleDESCipher}, // des-ede3-cbc
	}
)

// maxIterations bounds PBKDF2's work: a crafted key file must not stall a client's start
// for minutes. OpenSSL writes 2048; a million is already generous.
const maxIterations = 10_000_000

func decryptPKCS8(der []byte, password string) ([]byte, error) {
	var info encryptedPrivateKeyInfo
	if rest, err := asn1.Unmarshal(der, &info); err != nil || len(rest) > 0 {
		return nil, errors.New("malformed ENCRYPTED PRIVATE KEY")
	}
	if !info.Algo.Algorithm.Equal(oidPBES2) {
		return nil, fmt.Errorf("the key is encrypted with %v, which is not supported; convert it with "+
			"`openssl pkcs8 -topk8 -v2 aes-256-cbc -in old.key -out new.key`", info.Algo.Algorithm)
	}
	var params pbes2Params
	if _, err := asn1.Unmarshal(info.Algo.Parameters.FullBytes, &params); err != nil {
		return nil, errors.New("malformed PBES2 parameters")
	}
	if !params.KDF.Algorithm.Equal(oidPBKDF2) {
		return nil, fmt.Errorf("unsupported key derivation %v", params.KDF.Algorithm)
	}
	var kdf pbkdf2Params
	if _, err := asn1.Unmarshal(params.KDF.Parameters.FullBytes, &kdf); err != nil {
		return nil, errors.New("malformed PBKDF2 parameters")
	}
	prf := sha1.New
	if len(kdf.PRF.Algorithm) > 0 {
		var ok bool
		if prf, ok = prfs[kdf.PRF.Algorithm.String()]; !ok {
			return nil, fmt.Errorf("unsupported PBKDF2 hash %v", kdf.PRF.Algorithm)
		}
	}
	c, ok := ciphers[params.Enc.Algorithm.String()]
	if !ok {
		return nil, fmt.Errorf("unsupported key cipher %v", params.Enc.Algorithm)
	}
	var iv []byte
	if _, err := asn1.Unmarshal(params.Enc.Parameters.FullBytes, &iv); err != nil {
		return nil, errors.New("malformed cipher parameters")
	}
	if kdf.Iterations < 1 || kdf.Iterations > maxIterations {
		return nil, fmt.Errorf("PBKDF2 iteration count %d out of range", kdf.Iterations)
	}
	if kdf.KeyLength != 0 && kdf.KeyLength != c.keyLen {
		return nil, errors.New("PBKDF2 key length does not fit the cipher")
	}
	key, err := pbkdf2.Key(prf, password, kdf.Salt, kdf.Iterations, c.keyLen)
	if err != nil {
		return nil, err
	}
	block, err := c.block(key)
	if err != nil {
		return nil, err
	}
	if len(iv) != block.BlockSize() || len(info.Data) == 0 || len(info.Data)%block.BlockSize() != 0 {
		return nil, errors.New("malformed encrypted key data")
	}
	plain := make([]byte, len(info.Data))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(plain, info.Data)
	plain, ok = unpad(plain, block.BlockSize())
	if !ok {
		return nil, ErrKeyPassword // wrong keys decrypt to noise, which rarely pads well
	}
	// The padding can still pass by chance; a key that does not parse is the tell then.
	if _, err := x509.ParsePKCS8PrivateKey(plain); err != nil {
		return nil, ErrKeyPassword
	}
	return plain, nil
}

// unpad strips PKCS#7 padding.
func unpad(b []byte, size int) ([]byte, bool) {
	n := int(b[len(b)-1])
	if n == 0 || n > size || n > len(b) {
		return nil, false
	}
	for _, p := range b[len(b)-n:] {
		if int(p) != n {
			return nil, false
		}
	}
	return b[:len(b)-n], true
}
