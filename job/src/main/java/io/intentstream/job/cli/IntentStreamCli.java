package io.intentstream.job.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

import io.intentstream.job.config.IntentStreamOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code intent-stream} command line: {@code demo} runs the whole pipeline locally on an embedded Kafka broker
 * and a Flink MiniCluster; {@code replay} runs a file through the job (bounded, optionally for several epochs);
 * {@code train} and {@code evaluate} run the model offline on a benchmark file, and {@code compare} puts train runs
 * side by side; {@code bench} measures the model step and the job against the machine's matmul peak; {@code report}
 * turns a run's outputs into an HTML page.
 */
@Command(
        name = "intent-stream",
        mixinStandardHelpOptions = true,
        versionProvider = IntentStreamCli.Version.class,
        description = "Online intent learning (ELCRec) on Apache Flink and Kafka.",
        subcommands = {DemoCommand.class, ReplayCommand.class, TrainCommand.class, EvaluateCommand.class,
            CompareCommand.class, BenchCommand.class, ReportCommand.class, CommandLine.HelpCommand.class})
public final class IntentStreamCli {

    /** System property naming the log file; the launcher points it into {@code runs/}. */
    public static final String LOG_FILE_PROPERTY = "intentstream.log.file";

    /** System property naming the directory for log files when {@link #LOG_FILE_PROPERTY} is not set. */
    public static final String LOG_DIR_PROPERTY = "intentstream.log.dir";

    public static void main(String[] args) {
        chooseLogFile();
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, also used by tests to run commands and capture their output. */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new IntentStreamCli());
        commandLine.setExecutionExceptionHandler(new ExitCodes.Handler());
        commandLine.setParameterExceptionHandler(IntentStreamCli::usageError);
        commandLine.setExitCodeExceptionMapper(ExitCodes::of);
        // Picocli formats footers with String.format, hence the escaped percent signs.
        commandLine.getSubcommands().get("demo").getCommandSpec().usageMessage()
                .footer(IntentStreamOptions.describe().replace("%", "%%"));
        return commandLine;
    }

    /**
     * A usage error prints its message and where to find help, not the whole usage text: the demo's lists every
     * job setting and would bury the message.
     */
    static int usageError(CommandLine.ParameterException error, String[] args) {
        CommandLine command = error.getCommandLine();
        PrintWriter err = command.getErr();
        err.println(command.getColorScheme().errorText(
                command.getCommandSpec().qualifiedName() + ": " + error.getMessage()));
        if (!CommandLine.UnmatchedArgumentException.printSuggestions(error, err)) {
            err.println("Try '" + command.getCommandSpec().qualifiedName() + " --help' for more information.");
        }
        err.flush();
        return command.getCommandSpec().exitCodeOnInvalidInput();
    }

    /**
     * Sets {@link #LOG_FILE_PROPERTY} before anything logs, so that the log4j configuration writes Kafka's and
     * Flink's logs to one file per run instead of the terminal.
     */
    static void chooseLogFile() {
        if (System.getProperty(LOG_FILE_PROPERTY) != null) {
            return;
        }
        String directory = System.getProperty(LOG_DIR_PROPERTY, System.getProperty("java.io.tmpdir"));
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        System.setProperty(LOG_FILE_PROPERTY,
                Path.of(directory, "intent-stream-" + stamp + "-" + ProcessHandle.current().pid() + ".log")
                        .toString());
    }

    /** The log file chosen by {@link #chooseLogFile}, or null when logging goes elsewhere. */
    static String logFile() {
        return System.getProperty(LOG_FILE_PROPERTY);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = IntentStreamCli.class.getPackage().getImplementationVersion();
            return new String[] {"intent-stream " + (version == null ? "(development build)" : version)};
        }
    }
}
