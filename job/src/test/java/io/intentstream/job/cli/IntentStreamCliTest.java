package io.intentstream.job.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command line's structure and its failure handling; none of these start a broker. */
class IntentStreamCliTest {

    private record Run(int exitCode, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = IntentStreamCli.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void rootHelpListsEveryCommand() {
        Run help = run("--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("demo", "train", "evaluate");
    }

    /** picocli formats descriptions with String.format: a bare '%' leaves the raw text and a warning on stderr. */
    @Test
    void everyCommandsHelpFormatsWithoutAPicocliWarning() {
        PrintStream originalErr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            for (String command : IntentStreamCli.commandLine().getSubcommands().keySet()) {
                assertThat(run(command, "--help").exitCode()).as(command).isZero();
            }
        } finally {
            System.setErr(originalErr);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8)).doesNotContain("picocli WARN");
    }

    @Test
    void demoHelpListsTheJobSettingsWithTheirDefaults() {
        Run help = run("demo", "--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("--events", "--summary", "--model.clusters", "--training.batch-size",
                "(default 256)");
    }

    /**
     * A prefix of a benchmark file keeps a few dozen users at a time (whole histories in the first events); the
     * whole-file replay thousands, as a busy stream batches. Parsed only: nothing runs.
     */
    @Test
    void theReplayInterleavesThousandsOfUsersAndThePrefixCommandsAFewDozen() {
        CommandLine cli = IntentStreamCli.commandLine();
        assertThat(activeUsersOf(cli, "replay", "--data", "f.txt")).isEqualTo(4096);
        assertThat(activeUsersOf(cli, "demo", "--data", "f.txt")).isEqualTo(64);
        assertThat(activeUsersOf(cli, "bench", "--data", "f.txt", "--out", "b.json")).isEqualTo(64);
        assertThat(activeUsersOf(cli, "replay", "--data", "f.txt", "--active-users", "64")).isEqualTo(64);
        assertThat(run("replay", "--help").out().replaceAll("\\s+", " ")).contains("of --events). Default: 4096.");
        assertThat(run("demo", "--help").out().replaceAll("\\s+", " ")).contains("of --events). Default: 64.");
    }

    private static int activeUsersOf(CommandLine root, String... args) {
        CommandLine.ParseResult parsed = root.parseArgs(args).subcommand();
        return parsed.matchedOptionValue("--active-users",
                parsed.commandSpec().findOption("--active-users").<Integer>getValue());
    }

    @Test
    void demoRejectsANonPositiveEventCountWithTheUsageExitCodeAndOneMessage() {
        Run run = run("demo", "--events", "0");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("--events must be at least 1").doesNotContain("\tat ");
    }

    @Test
    void aUsageErrorPrintsTheMessageAndWhereToFindHelpNotTheWholeUsage() {
        Run run = run("demo", "--users", "5", "--users", "6");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("intent-stream demo: option '--users' (U) should be specified only once")
                .contains("Try 'intent-stream demo --help'")
                .doesNotContain("--model.clusters");
    }

    @Test
    void demoRejectsAMistypedDemoOptionInsteadOfPassingItToTheJob() {
        Run run = run("demo", "--evnts", "5");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("Unknown option --evnts");
    }

    @Test
    void demoRejectsAnUnknownJobSettingNamingIt() {
        Run run = run("demo", "--events", "10", "--model.clustrs", "5");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("Unknown option --model.clustrs").doesNotContain("\tat ");
    }

    @Test
    void demoRejectsAnInvalidJobSettingBeforeStartingAnything() {
        Run run = run("demo", "--events", "10", "--training.batch-size", "0");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("training.batch-size").contains("at least 1");
    }

    @Test
    void demoRefusesAnExternalBrokerBecauseItRunsItsOwn() {
        Run run = run("demo", "--events", "10", "--kafka.bootstrap-servers", "example.org:9092");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("embedded Kafka broker");
    }

    @Test
    void demoRejectsAMissingDataFile() {
        Run run = run("demo", "--data", "/nonexistent/intent-stream/data.txt");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("is not a readable file");
    }

    @Test
    void theSummaryListsFewClustersInFullAndManyAsTheLargest() {
        assertThat(DemoCommand.clusterSizes(new java.util.TreeMap<>(java.util.Map.of(0, 5L, 3, 7L))))
                .isEqualTo("{0=5, 3=7}");
        java.util.Map<Integer, Long> many = new java.util.TreeMap<>();
        for (int c = 0; c < 20; c++) {
            many.put(c, (long) c);
        }
        assertThat(DemoCommand.clusterSizes(many))
                .isEqualTo("20 clusters in use; largest {19=19, 18=18, 17=17, 16=16, 15=15, ...}");
    }

    @Test
    void failuresMapToExitCodesByKind() {
        assertThat(ExitCodes.of(new IllegalArgumentException("bad setting"))).isEqualTo(ExitCodes.USAGE);
        assertThat(ExitCodes.of(new IllegalStateException("broker down"))).isEqualTo(ExitCodes.FAILED);
        assertThat(ExitCodes.of(new UncheckedIOException(new IOException("disk full")))).isEqualTo(ExitCodes.IO);
        assertThat(ExitCodes.of(new IllegalStateException("stopped", new ExecutionException(
                new InterruptedException())))).isEqualTo(ExitCodes.INTERRUPTED);
    }

    @Test
    void theMessageShownIsTheFirstNonEmptyOneOnTheCauseChain() {
        assertThat(ExitCodes.message(new RuntimeException(null, new IllegalStateException("the real reason"))))
                .isEqualTo("the real reason");
        assertThat(ExitCodes.message(new NullPointerException())).isEqualTo("NullPointerException");
    }
}
