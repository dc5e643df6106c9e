package io.intentstream.job.replay;

import java.io.IOException;
import java.net.URI;

import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.FileSystemFactory;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.fs.local.LocalFileSystem;

/**
 * A test file system under {@code norename://} with what makes object stores hard for an exporter, on the local
 * disk: no rename at all (an object store's rename is a copy, not atomic; this one refuses), files visible while
 * they are written, and a writer that can be made to die half-way through one file (its bytes so far stay, and it
 * deletes nothing after, as a killed process would not).
 */
public final class NoRenameFileSystem extends LocalFileSystem {

    public static final String SCHEME = "norename";

    private static volatile String dieWriting;
    private static volatile int bytesBeforeDeath;
    private static volatile boolean dead;

    /** The next write of a file called {@code fileName} stops after {@code bytes} bytes: the writer dies there. */
    public static void dieWhileWriting(String fileName, int bytes) {
        dieWriting = fileName;
        bytesBeforeDeath = bytes;
        dead = false;
    }

    /** A new writer: no death planned. */
    public static void revive() {
        dieWriting = null;
        dead = false;
    }

    /** {@code norename://} + the absolute local path. */
    public static String uri(java.nio.file.Path local) {
        return SCHEME + "://" + local.toAbsolutePath().toUri().getPath();
    }

    @Override
    public URI getUri() {
        return URI.create(SCHEME + ":///");
    }

    @Override
    public boolean rename(Path src, Path dst) throws IOException {
        throw new IOException("norename:// cannot rename (" + src + " -> " + dst + ")");
    }

    @Override
    public boolean delete(Path path, boolean recursive) throws IOException {
        if (dead) {
            throw new IOException("the writer died");
        }
        return super.delete(local(path), recursive);
    }

    @Override
    public FSDataOutputStream create(Path path, WriteMode mode) throws IOException {
        if (dead) {
            throw new IOException("the writer died");
        }
        FSDataOutputStream out = super.create(local(path), mode);
        if (!path.getName().equals(dieWriting)) {
            return out;
        }
        int budget = bytesBeforeDeath;
        return new FSDataOutputStream() {
            private long written;

            @Override
            public void write(int b) throws IOException {
                if (written >= budget) {
                    die();
                }
                out.write(b);
                written++;
            }

            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                for (int i = 0; i < length; i++) {
                    write(bytes[offset + i]);
                }
            }

            private void die() throws IOException {
                out.flush();
                out.close(); // what reached the store stays there
                dead = true;
                throw new IOException("the writer died writing " + path);
            }

            @Override
            public long getPos() throws IOException {
                return out.getPos();
            }

            @Override
            public void flush() throws IOException {
                out.flush();
            }

            @Override
            public void sync() throws IOException {
                out.sync();
            }

            @Override
            public void close() throws IOException {
                if (!dead) {
                    out.close();
                }
            }
        };
    }

    // The local file system takes any scheme's path as a local path; strip ours so it never looks at it.
    private static Path local(Path path) {
        return new Path("file", null, path.toUri().getPath());
    }

    @Override
    public org.apache.flink.core.fs.FileStatus getFileStatus(Path path) throws IOException {
        return super.getFileStatus(local(path));
    }

    @Override
    public org.apache.flink.core.fs.FileStatus[] listStatus(Path path) throws IOException {
        org.apache.flink.core.fs.FileStatus[] local = super.listStatus(local(path));
        return local;
    }

    @Override
    public boolean exists(Path path) throws IOException {
        return super.exists(local(path));
    }

    @Override
    public boolean mkdirs(Path path) throws IOException {
        return super.mkdirs(local(path));
    }

    @Override
    public org.apache.flink.core.fs.FSDataInputStream open(Path path) throws IOException {
        return super.open(local(path));
    }

    /** Registered in META-INF/services, as a plugin registers a real store's. */
    public static final class Factory implements FileSystemFactory {
        @Override
        public String getScheme() {
            return SCHEME;
        }

        @Override
        public FileSystem create(URI fsUri) {
            return new NoRenameFileSystem();
        }
    }
}
