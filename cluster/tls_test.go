package cluster_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/livehost/livehost/internal/browsertest"
	"github.com/livehost/livehost/internal/pgtest"
)

// TestServeTLS: a node started with --tls-cert/--tls-key (a self-signed certificate made here)
// serves https only: /healthz, /readyz and the microphone page answer over https to a client
// that trusts the certificate, plain http on the same port gets no page; in Chromium the page,
// reached by a name other than localhost, gets the microphone.
func TestServeTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	certFile, keyFile, pool := selfSigned(t)
	dbURL := pgtest.URL(t)
	ns := startNATS(t)
	n := startNode(t, "t1", dbURL, ns.url(), "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.HasPrefix(n.url, "https://") {
		t.Fatalf("startup URL %q: want https", n.url)
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	get := func(c *http.Client, url string) (int, string, error) {
		resp, err := c.Get(url)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), nil
	}
	if code, body, err := get(client, n.url+"/healthz"); err != nil || code != http.StatusOK {
		t.Fatalf("https /healthz: %d %q %v", code, body, err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, body, err := get(client, n.url+"/readyz")
		if err == nil && code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("https /readyz: %d %q %v", code, body, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	code, body, err := get(client, n.url+"/mic")
	if err != nil || code != http.StatusOK || !strings.Contains(body, "mic.js") {
		t.Fatalf("https /mic: %d %v\n%.300s", code, err, body)
	}
	if code, body, err := get(client, n.url+"/static/mic.js"); err != nil || code != http.StatusOK || !strings.Contains(body, "getUserMedia") {
		t.Fatalf("https /static/mic.js: %d %v", code, err)
	}
	// A client that does not trust the certificate is refused by its own TLS check.
	if _, _, err := get(&http.Client{Timeout: 10 * time.Second}, n.url+"/healthz"); err == nil {
		t.Fatal("an untrusted self-signed certificate was accepted")
	}
	plain := "http://" + strings.TrimPrefix(n.url, "https://")
	for _, path := range []string{"/healthz", "/mic"} {
		code, body, err := get(&http.Client{Timeout: 10 * time.Second}, plain+path)
		if err == nil && code == http.StatusOK {
			t.Fatalf("plain http %s answered 200: %.200q", path, body)
		}
		t.Logf("plain http %s: %d %v", path, code, err)
	}

	// In Chromium, from a name that is not localhost (as from another machine on the LAN), the
	// page over https is a secure context and gets the microphone; over http it would not.
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(n.url, "https://"))
	bctx, stop := browsertest.Start(t,
		chromedp.Flag("host-resolver-rules", "MAP mic.lan 127.0.0.1"),
		chromedp.Flag("ignore-certificate-errors", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-fake-device-for-media-stream", true))
	defer stop()
	bctx, cancel := context.WithTimeout(bctx, 60*time.Second)
	defer cancel()
	if _, err := chromedp.Run(bctx, chromedp.Navigate("https://mic.lan:"+port+"/mic")); err != nil {
		t.Fatalf("the mic page in Chromium: %v", err)
	}
	mic, err := chromedp.Run(bctx, chromedp.Evaluate[string](`(async () => {
			if (!window.isSecureContext) return "not a secure context";
			const s = await navigator.mediaDevices.getUserMedia({audio: true});
			const n = s.getAudioTracks().length;
			s.getTracks().forEach(t => t.stop());
			return "audio tracks: " + n;
		})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("the mic page in Chromium: %v", err)
	}
	if mic != "audio tracks: 1" {
		t.Fatalf("the mic page over https from mic.lan: %s", mic)
	}
	if _, err := chromedp.Run(bctx, chromedp.Navigate("http://mic.lan:"+port+"/mic")); err != nil {
		t.Fatal(err)
	}
	secure, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`window.isSecureContext`))
	if err != nil {
		t.Fatal(err)
	}
	if secure {
		t.Fatal("a plain http page from mic.lan counts as a secure context: the https check proves nothing")
	}
}

// selfSigned writes a certificate for 127.0.0.1 and localhost and its key, and returns the
// files and a pool that trusts the certificate.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "livehost test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true,
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost", "mic.lan"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}
