package wechat

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"sort"
	"strings"
)

// blockSize is the PKCS#7 block size of WeChat's message crypto: 32 bytes,
// not AES's 16 (WXBizMsgCrypt's PKCS7Encoder).
const blockSize = 32

// Signature is WeChat's request signature: the hex SHA-1 of the given
// strings sorted and concatenated. With token, timestamp and nonce it is
// the URL's signature; with the Encrypt element added, msg_signature.
func Signature(parts ...string) string {
	s := append([]string(nil), parts...)
	sort.Strings(s)
	h := sha1.Sum([]byte(strings.Join(s, "")))
	return hex.EncodeToString(h[:])
}

// checkSignature compares a received signature with the expected one in
// constant time.
func checkSignature(got string, parts ...string) bool {
	want := Signature(parts...)
	return len(got) == len(want) && subtle.ConstantTimeCompare([]byte(strings.ToLower(got)), []byte(want)) == 1
}

// cipherKey is an EncodingAESKey decoded: 32 bytes of AES-256 key whose
// first 16 are also the IV.
type cipherKey []byte

// parseAESKey decodes the 43-character EncodingAESKey.
func parseAESKey(s string) (cipherKey, error) {
	if len(s) != 43 {
		return nil, errors.New("encoding_aes_key must be 43 characters")
	}
	k, err := base64.StdEncoding.DecodeString(s + "=")
	if err != nil || len(k) != 32 {
		return nil, errors.New("encoding_aes_key is not valid base64 of 32 bytes")
	}
	return k, nil
}

var errDecrypt = errors.New("cannot decrypt")

// decrypt opens the base64 Encrypt element: AES-256-CBC, IV = key[:16],
// plaintext = random(16) | len(4, big-endian) | msg | appid, padded to 32
// bytes. It returns msg and the app id found after it.
func (k cipherKey) decrypt(b64 string) (msg []byte, appID string, err error) {
	ct, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, "", errDecrypt
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, "", err
	}
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, k[:aes.BlockSize]).CryptBlocks(pt, ct)
	pad := int(pt[len(pt)-1])
	if pad < 1 || pad > blockSize || pad > len(pt) {
		return nil, "", errDecrypt
	}
	pt = pt[:len(pt)-pad]
	if len(pt) < 20 {
		return nil, "", errDecrypt
	}
	n := binary.BigEndian.Uint32(pt[16:20])
	if uint64(n) > uint64(len(pt)-20) {
		return nil, "", errDecrypt
	}
	return pt[20 : 20+n], string(pt[20+n:]), nil
}
