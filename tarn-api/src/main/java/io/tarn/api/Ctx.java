package io.tarn.api;

/**
 * The context of one metadata call: the client session it belongs to, a request id unique within
 * that session (the server applies a mutation with a given id at most once, so a retry after a lost
 * reply or a server restart returns the first outcome), and the caller's credentials.
 * {@code requestId == 0} means "not retried, no de-duplication".
 */
public record Ctx(long session, long requestId, Caller caller) {
    public Ctx withRequestId(long id) {
        return new Ctx(session, id, caller);
    }
}
