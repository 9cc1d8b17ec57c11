package io.tarn.objectstore;

import io.tarn.api.ObjectInfo;
import io.tarn.api.ObjectStoreException;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A lazy, key-ordered walk of a {@link LocalDirObjectStore}'s tree. Sorting each directory's children
 * by "name" for files and "name/" for directories yields global key order, because every key under a
 * directory starts with "name/" and no sibling sorts between. Only one directory's names are held per
 * level of the walk; subtrees entirely outside the prefix or before {@code startAfter} are skipped.
 */
final class LocalDirListing implements Iterator<ObjectInfo> {
    private record Child(String sortKey, String key, boolean dir) {}

    private final Path root;
    private final String prefix;
    private final String startAfter;
    private final Deque<Iterator<Child>> stack = new ArrayDeque<>();
    private ObjectInfo next;

    LocalDirListing(Path root, String prefix, String startAfter) {
        this.root = root;
        this.prefix = prefix;
        this.startAfter = startAfter;
        int slash = prefix.lastIndexOf('/');
        String startDir = slash < 0 ? "" : prefix.substring(0, slash + 1);
        push(startDir);
    }

    Stream<ObjectInfo> stream() {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(this,
                Spliterator.ORDERED | Spliterator.SORTED | Spliterator.DISTINCT | Spliterator.NONNULL), false);
    }

    /** Pushes the children of the directory whose keys start with {@code dirKey} ("" or ending in '/'). */
    private void push(String dirKey) {
        Path dir = dirKey.isEmpty() ? root : root.resolve(dirKey.substring(0, dirKey.length() - 1));
        List<Child> children = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.startsWith(ObjectKeys.TEMP_PREFIX)) continue;
                boolean isDir = Files.isDirectory(p);
                String key = dirKey + name;
                String sortKey = isDir ? key + "/" : key;
                if (isDir ? relevantDir(sortKey) : relevantFile(key)) children.add(new Child(sortKey, key, isDir));
            }
        } catch (NoSuchFileException | NotDirectoryException e) {
            return;
        } catch (IOException e) {
            throw new ObjectStoreException("list " + dirKey + " in " + root + ": " + e, true, e);
        }
        children.sort((a, b) -> a.sortKey.compareTo(b.sortKey));
        stack.push(children.iterator());
    }

    private boolean relevantDir(String dirKey) {
        if (!dirKey.startsWith(prefix) && !prefix.startsWith(dirKey)) return false;
        // Every key below dirKey starts with it; if startAfter is past dirKey without sharing it, all are.
        return startAfter == null || startAfter.compareTo(dirKey) < 0 || startAfter.startsWith(dirKey);
    }

    private boolean relevantFile(String key) {
        return key.startsWith(prefix) && (startAfter == null || key.compareTo(startAfter) > 0);
    }

    @Override
    public boolean hasNext() {
        while (next == null && !stack.isEmpty()) {
            Iterator<Child> top = stack.peek();
            if (!top.hasNext()) {
                stack.pop();
                continue;
            }
            Child c = top.next();
            if (c.dir) {
                push(c.sortKey);
            } else {
                try {
                    BasicFileAttributes a = Files.readAttributes(root.resolve(c.key), BasicFileAttributes.class);
                    if (a.isRegularFile()) next = new ObjectInfo(c.key, a.size(), a.lastModifiedTime().toMillis());
                } catch (NoSuchFileException e) {
                    // deleted while listing: simply absent
                } catch (IOException e) {
                    throw new ObjectStoreException("list " + c.key + " in " + root + ": " + e, true, e);
                }
            }
        }
        return next != null;
    }

    @Override
    public ObjectInfo next() {
        if (!hasNext()) throw new NoSuchElementException();
        ObjectInfo r = next;
        next = null;
        return r;
    }
}
