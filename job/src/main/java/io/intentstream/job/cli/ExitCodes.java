package io.intentstream.job.cli;

import java.io.UncheckedIOException;
import java.util.concurrent.CancellationException;

import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/** Maps failures to exit codes, and prints one clear line instead of a stack trace. */
public final class ExitCodes {

    /** Bad command-line arguments or settings (picocli's usage code). */
    public static final int USAGE = CommandLine.ExitCode.USAGE;
    /** The run failed: broker, job or I/O. */
    public static final int FAILED = 1;
    /** An input or output file could not be read or written. */
    public static final int IO = 3;
    /** Interrupted (for example Ctrl-C), as shells report SIGINT. */
    public static final int INTERRUPTED = 130;

    /** Where the full failure goes; see intent-stream-log4j2.properties. */
    public static final String FAILURE_LOGGER = "io.intentstream.cli.failures";

    private ExitCodes() {}

    public static int of(Throwable failure) {
        Throwable root = failure;
        if (hasCause(failure, InterruptedException.class) || hasCause(failure, CancellationException.class)) {
            return INTERRUPTED;
        }
        if (root instanceof IllegalArgumentException || root instanceof CommandLine.ParameterException) {
            return USAGE;
        }
        if (hasCause(failure, UncheckedIOException.class) || hasCause(failure, java.io.IOException.class)) {
            return IO;
        }
        return FAILED;
    }

    private static boolean hasCause(Throwable failure, Class<? extends Throwable> type) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    /** The message a user should see: the first non-empty message on the cause chain, with its type if vague. */
    static String message(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getMessage();
            }
        }
        return failure.getClass().getSimpleName();
    }

    /** Prints {@code intent-stream <command>: <message>} (and where the log is) and returns the exit code. */
    static final class Handler implements IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception failure, CommandLine commandLine, ParseResult parseResult) {
            var err = commandLine.getErr();
            err.println();
            err.println(commandLine.getColorScheme().errorText(
                    commandLine.getCommandSpec().qualifiedName() + ": " + message(failure)));
            if (IntentStreamCli.logFile() != null) {
                err.println("Details: " + IntentStreamCli.logFile());
            }
            err.flush();
            // A logger of its own: the CLI's log configuration sends it to the log file only, the terminal has
            // the one-line message above.
            LoggerFactory.getLogger(FAILURE_LOGGER).error("Command failed", failure);
            return of(failure);
        }
    }
}
