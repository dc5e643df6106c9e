package io.intentstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.intentstream.job.cli.IntentStreamCli;
import io.intentstream.job.demo.DemoSummary;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The {@code demo} command end to end, as a user runs it: embedded broker, planted-intent input, the job on a
 * MiniCluster, outputs read back, summary JSON. Its clustering must recover the planted intents clearly better
 * than chance.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class PlantedIntentDemoITCase {

    private static final int EVENTS = 6_000;
    private static final int USERS = 300;
    private static final int MALFORMED = 6;
    private static final int INTENTS = 4;

    /**
     * How far intent_nmi must exceed random_nmi. Runs of this configuration (6000 events, 300 users, 4 intents of
     * 30 items, the job's default model: d 64, batch 256, about 24 steps) on the shared 2-core machine; batch
     * boundaries depend on timing, so runs of one seed differ too:
     * <pre>
     *   stream seed 42: intent_nmi 0.152, 0.192, 0.165   random_nmi 0.007
     *   stream seed 1:  intent_nmi 0.155, 0.262           random_nmi 0.012
     *   stream seed 2:  intent_nmi 0.273                  random_nmi 0.018
     * </pre>
     * The smallest gap seen is 0.145; the margin is a third of it and still seven times random_nmi here.
     * Other configurations were weaker and less stable (4000 events with d 32 and batch 128: intent_nmi 0.04 to
     * 0.47 against random 0.01 to 0.03; 8000 events, 63 steps: down to 0.02, nearly all users in one cluster),
     * because the clusters tend to collapse as online training goes on.
     */
    private static final double NMI_MARGIN = 0.05;

    @TempDir
    Path directory;

    @Test
    void demoAnswersEveryEventReportsCountsFromTheTopicsAndRecoversPlantedIntentsBetterThanChance() throws IOException {
        Path summaryFile = directory.resolve("summary.json");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = IntentStreamCli.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));

        int exitCode = cli.execute("demo",
                "--events", Integer.toString(EVENTS), "--users", Integer.toString(USERS),
                "--intents", Integer.toString(INTENTS), "--items-per-intent", "30", "--seed", "42",
                "--inject-malformed", Integer.toString(MALFORMED), "--summary", summaryFile.toString());

        assertThat(exitCode).as("exit code; stderr:%n%s", err).isZero();
        assertThat(out.toString()).contains("intent-stream demo summary", "intent NMI");
        DemoSummary summary = DemoSummary.readJson(summaryFile);
        assertThat(summary.eventsIn()).isEqualTo(EVENTS);
        assertThat(summary.intentsOut()).isEqualTo(EVENTS);
        assertThat(summary.recommendationsOut()).isEqualTo(EVENTS);
        assertThat(summary.deadLetters()).isEqualTo(MALFORMED);
        assertThat(summary.undecodableOutputs()).isZero();
        assertThat(summary.usersAnswered()).isEqualTo(USERS);
        assertThat(summary.clusters()).isEqualTo(INTENTS);
        assertThat(summary.trainSteps()).isPositive();
        assertThat(summary.modelVersion()).isPositive().isLessThanOrEqualTo(summary.trainSteps());
        assertThat(summary.eventsPerSecond()).isPositive();
        System.out.printf("intent_nmi %.4f random_nmi %.4f users per cluster %s wall %.1f s%n",
                summary.intentNmi(), summary.randomNmi(), summary.usersPerCluster(), summary.wallSeconds());
        assertThat(summary.intentNmi()).as("intent NMI vs random %s", summary.randomNmi())
                .isGreaterThan(summary.randomNmi() + NMI_MARGIN);

        assertThat(leftoverTemporaryDirectories()).as("temporary directories left behind").isEmpty();
    }

    /** The failsafe JVM's java.io.tmpdir is this module's target directory (see pom.xml), ours alone. */
    private static List<Path> leftoverTemporaryDirectories() throws IOException {
        try (Stream<Path> entries = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return entries.filter(p -> p.getFileName().toString().startsWith("intent-stream-demo-")
                    || p.getFileName().toString().startsWith("intent-stream-kafka-")).toList();
        }
    }
}
