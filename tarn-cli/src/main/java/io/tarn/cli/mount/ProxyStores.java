package io.tarn.cli.mount;

import io.tarn.api.ObjectStore;
import io.tarn.api.VolumeInfo;
import io.tarn.rpc.ProxyGroup;
import io.tarn.rpc.RpcOptions;

/** The proxy group a mount sends its blocks through (ADR 0140): the mount option's, else the volume's, else none. */
final class ProxyStores {
    private static final System.Logger LOG = System.getLogger(ProxyStores.class.getName());

    private ProxyStores() {}

    /** The group's store, connected (one line if a member cannot be reached or refuses); null for none. */
    static ObjectStore open(VolumeInfo v, MountDaemon.Settings s) {
        String spec = s.proxy() != null ? s.proxy() : v.proxy();
        if (spec == null || spec.isEmpty()) return null;
        ProxyGroup g = ProxyGroup.connect(spec, s.proxyOptions() == null ? RpcOptions.defaults() : s.proxyOptions());
        LOG.log(System.Logger.Level.INFO, "blocks of volume {0} go through {1}", v.name(), g.describe());
        return g;
    }
}
