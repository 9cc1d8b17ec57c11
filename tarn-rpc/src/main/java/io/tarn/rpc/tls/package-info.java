/**
 * TLS for Tarn's connections: PEM files to JDK {@code SSLContext}s, sockets with TLS 1.3 and host name
 * verification, and certificates for test deployments ({@code tarn cert}). Nothing here is specific to
 * the metadata protocol, so the proxy can use it too (docs/adr/0100-transport-security-and-tokens.md).
 */
package io.tarn.rpc.tls;
