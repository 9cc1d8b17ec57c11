/** Access tokens: who may talk to a metadata server, on which volume, as whom (docs/adr/0100-transport-security-and-tokens.md). */
package io.tarn.api.auth;
