package io.tarn.api;

import java.util.List;

/**
 * An answer of {@link MetaService#changes}: the changes other sessions committed after the cursor
 * asked for, in commit order, and where to continue ({@code feed}, {@code cursor}). {@code reset}
 * means the changes since that cursor are no longer known (the server restarted, so {@code feed}
 * differs, or the client fell further behind than the server keeps): the client must drop
 * everything it cached, then go on from {@code cursor}.
 */
public record ChangeBatch(long feed, long cursor, boolean reset, List<Change> changes) {
    public ChangeBatch {
        changes = List.copyOf(changes);
    }
}
