package io.tarn.api;

import java.util.List;

/**
 * One page of a directory listing in name order; {@code more} tells whether a next page exists,
 * to be asked for with the last name of this page as {@code after}.
 */
public record DirPage(List<DirEntry> entries, boolean more) {}
