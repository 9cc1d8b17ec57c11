package io.tarn.it;

import java.nio.file.Path;

/** {@link MountOperations} on the embedded default: local metadata and a local directory store. */
class MountOperationsTest extends MountOperations {
    @Override
    MountedVolume mountVolume(Path tmp, Path mnt) throws Exception {
        return MountedVolume.mount("ops", mnt, "--data", tmp.resolve("data").toString());
    }
}
