// Package tlsconfig turns the TLS property file of upstream's C API
// (SetProducerSsl / SetProducerSslPropertyFile, default /etc/rocketmq/tls.properties)
// into the *tls.Config that remoting.ClientOptions.TLS takes.
//
// The file uses Java properties syntax and the Java client's keys: tls.client.keyPath,
// tls.client.keyPassword, tls.client.certPath, tls.client.trustCertPath and
// tls.client.authServer. Where the C++ client and this package differ (a missing file,
// inline '#', verification without host names), the comments on ReadSettings,
// ParseProperties and Settings.Config say how and why.
package tlsconfig
