package io.intentstream.job.embedded;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a local run (the demo, a replay) holds while it runs: temporary directories, an embedded broker, output
 * readers and the Flink job on its MiniCluster. {@link #close()} may come from another thread at any time (a
 * Ctrl-C, a test's timeout): it cancels the job first, so that nothing writes to the broker or the directories
 * any more, then closes the resources newest first, since later ones use earlier ones (a reader uses the broker,
 * the broker's logs lie in a temporary directory). A resource registered or a job submitted after the close is
 * refused, so a run that is being stopped cannot leave anything behind.
 */
public final class RunResources implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RunResources.class);
    private static final long CANCEL_TIMEOUT_SECONDS = 30;

    private final String runName;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private volatile JobClient jobClient;
    private volatile boolean closed;

    /** @param runName what runs, for messages ("demo", "replay") */
    public RunResources(String runName) {
        this.runName = runName;
    }

    /**
     * Keeps {@code resource} to be closed with the run.
     *
     * @throws IllegalStateException after {@link #close()}, having closed {@code resource}
     */
    public synchronized <T extends AutoCloseable> T register(T resource) {
        if (closed) {
            closeQuietly(resource);
            throw new IllegalStateException("The " + runName + " was stopped");
        }
        resources.add(resource);
        return resource;
    }

    /**
     * Submits the job built in {@code env}; {@link #close()} cancels it if it still runs. A run submits one job at
     * a time: a later job replaces the earlier (finished) one.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public JobClient submit(StreamExecutionEnvironment env, String jobName) throws Exception {
        if (closed) {
            throw new IllegalStateException("The " + runName + " was stopped");
        }
        JobClient client = env.executeAsync(jobName);
        jobClient = client;
        return client;
    }

    /** Whether {@link #close()} was called: a failure after it is the stop, not an error of the run. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Cancels the job if it still runs, then closes the resources newest first. Safe to call more than once and
     * from any thread; logs what it cannot close rather than throwing.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        JobClient client = jobClient;
        if (client != null) {
            try {
                if (!client.getJobExecutionResult().isDone()) {
                    client.cancel().get(CANCEL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                }
            } catch (Exception e) {
                LOG.warn("Could not cancel the {} job", runName, e);
            }
        }
        for (int i = resources.size() - 1; i >= 0; i--) {
            closeQuietly(resources.get(i));
        }
        resources.clear();
    }

    /** The innermost cause's class and message: what a user can act on in a job failure. */
    public static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    private static void closeQuietly(AutoCloseable resource) {
        try {
            resource.close();
        } catch (Exception e) {
            LOG.warn("Could not close {}", resource, e);
        }
    }
}
