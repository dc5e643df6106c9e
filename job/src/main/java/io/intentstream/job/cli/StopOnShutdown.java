package io.intentstream.job.cli;

/**
 * Stops a local run (its job, broker and temporary files) when the JVM shuts down while it runs, e.g. on Ctrl-C;
 * {@link #close()} withdraws that once the run is over:
 * {@code try (StopOnShutdown hook = new StopOnShutdown(runner::close, "demo")) { runner.run(); }}.
 */
final class StopOnShutdown implements AutoCloseable {

    private final Thread hook;

    StopOnShutdown(Runnable stop, String runName) {
        hook = new Thread(stop, runName + "-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The JVM is already shutting down (Ctrl-C): the hook is running and cleans up.
        }
    }
}
