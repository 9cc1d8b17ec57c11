package io.tarn.cli;

import io.tarn.api.MetaService;
import io.tarn.cli.mount.MountDaemon;

import java.nio.file.Path;

/**
 * The metadata side of a {@code tarn mount --at} daemon: the same connection, with sessions opened as
 * views at the instant. A view daemon never serves an embedded store to other processes and never
 * creates a volume: with {@code --data}, mount the live volume first (or run {@code tarn meta}) if other
 * commands must use the folder while the view is mounted.
 */
final class ViewConnection implements MountDaemon.Meta {
    private final MetaConnection connection;
    private final MetaService view;

    ViewConnection(MetaConnection connection, long atEpochNs) {
        this.connection = connection;
        this.view = new AtInstantMetaService(connection.service(), atEpochNs);
    }

    @Override
    public MetaService service() {
        return view;
    }

    @Override
    public Path ownedDataDir() {
        return null;
    }

    @Override
    public String defaultStore(String volume) {
        return null;
    }

    @Override
    public void close() {
        connection.close();
    }
}
