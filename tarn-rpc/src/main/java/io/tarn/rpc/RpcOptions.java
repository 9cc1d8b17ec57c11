package io.tarn.rpc;

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
 */
public record RpcOptions(Duration connectTimeout, Duration callTimeout, Duration rideThrough,
                         Duration heartbeatInterval, int maxFrameBytes) {
    public static final RpcOptions DEFAULTS = new RpcOptions(Duration.ofSeconds(5), Duration.ofSeconds(30),
            Duration.ofSeconds(60), Duration.ofSeconds(10), Wire.DEFAULT_MAX_FRAME);

    public RpcOptions {
        if (connectTimeout.isNegative() || connectTimeout.isZero() || callTimeout.isNegative() || callTimeout.isZero()
                || rideThrough.isNegative() || heartbeatInterval.isNegative() || maxFrameBytes < 64)
            throw new IllegalArgumentException("RPC timeouts must be positive and the frame limit at least 64 bytes");
    }

    public static RpcOptions defaults() {
        return DEFAULTS;
    }

    public RpcOptions withConnectTimeout(Duration d) {
        return new RpcOptions(d, callTimeout, rideThrough, heartbeatInterval, maxFrameBytes);
    }

    public RpcOptions withCallTimeout(Duration d) {
        return new RpcOptions(connectTimeout, d, rideThrough, heartbeatInterval, maxFrameBytes);
    }

    public RpcOptions withRideThrough(Duration d) {
        return new RpcOptions(connectTimeout, callTimeout, d, heartbeatInterval, maxFrameBytes);
    }

    public RpcOptions withHeartbeatInterval(Duration d) {
        return new RpcOptions(connectTimeout, callTimeout, rideThrough, d, maxFrameBytes);
    }
}
