package io.tarn.rpc;

import io.tarn.rpc.tls.Tls;

import java.time.Duration;

/**
 * Client settings of {@link RemoteMetaService}.
 *
 * @param connectTimeout    how long the first connect may take before {@code connect} fails (no ride-through then)
 * @param callTimeout       how long one attempt of a call waits for its reply on a live connection (ETIMEDOUT after);
 *                          also sent to the server, which drops a call that waited longer in its queue
 * @param rideThrough       how long calls wait, retrying, while the server is unreachable (a restart, a network blip)
 *                          before they fail; counted from the start of the outage
 * @param heartbeatInterval how often sessions opened through this client are kept alive; zero for never
 * @param maxFrameBytes     the largest reply frame accepted
 * @param tls               TLS towards the server (its CA, maybe a client certificate), or null for plain TCP
 * @param token             the access token presented on every connection, or null (ADR 0100)
 */
public record RpcOptions(Duration connectTimeout, Duration callTimeout, Duration rideThrough,
                         Duration heartbeatInterval, int maxFrameBytes, Tls tls, String token) {
    public static final RpcOptions DEFAULTS = new RpcOptions(Duration.ofSeconds(5), Duration.ofSeconds(30),
            Duration.ofSeconds(60), Duration.ofSeconds(10), Wire.DEFAULT_MAX_FRAME, null, null);

    public RpcOptions {
        if (connectTimeout.isNegative() || connectTimeout.isZero() || callTimeout.isNegative() || callTimeout.isZero()
                || rideThrough.isNegative() || heartbeatInterval.isNegative() || maxFrameBytes < 64)
            throw new IllegalArgumentException("RPC timeouts must be positive and the frame limit at least 64 bytes");
        if (token != null && token.isBlank()) token = null;
    }

    /** Plain TCP, no token. */
    public RpcOptions(Duration connectTimeout, Duration callTimeout, Duration rideThrough, Duration heartbeatInterval, int maxFrameBytes) {
        this(connectTimeout, callTimeout, rideThrough, heartbeatInterval, maxFrameBytes, null, null);
    }

    public static RpcOptions defaults() {
        return DEFAULTS;
    }

    public RpcOptions withConnectTimeout(Duration d) {
        return new RpcOptions(d, callTimeout, rideThrough, heartbeatInterval, maxFrameBytes, tls, token);
    }

    public RpcOptions withCallTimeout(Duration d) {
        return new RpcOptions(connectTimeout, d, rideThrough, heartbeatInterval, maxFrameBytes, tls, token);
    }

    public RpcOptions withRideThrough(Duration d) {
        return new RpcOptions(connectTimeout, callTimeout, d, heartbeatInterval, maxFrameBytes, tls, token);
    }

    public RpcOptions withHeartbeatInterval(Duration d) {
        return new RpcOptions(connectTimeout, callTimeout, rideThrough, d, maxFrameBytes, tls, token);
    }

    public RpcOptions withTls(Tls t) {
        return new RpcOptions(connectTimeout, callTimeout, rideThrough, heartbeatInterval, maxFrameBytes, t, token);
    }

    public RpcOptions withToken(String t) {
        return new RpcOptions(connectTimeout, callTimeout, rideThrough, heartbeatInterval, maxFrameBytes, tls, t == null ? null : t.strip());
    }

    @Override
    public String toString() { // the token is a secret: never printed
        return "RpcOptions[connect " + connectTimeout + ", call " + callTimeout + ", ride-through " + rideThrough
                + ", heartbeat " + heartbeatInterval + ", frames " + maxFrameBytes + ", " + (tls == null ? "plain TCP" : tls)
                + (token == null ? "" : ", with an access token") + "]";
    }
}
