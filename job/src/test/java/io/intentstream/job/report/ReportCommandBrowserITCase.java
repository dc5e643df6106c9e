package io.intentstream.job.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.intentstream.avro.IntentAssignment;
import io.intentstream.job.cli.IntentStreamCli;
import io.intentstream.job.demo.AvroBinary;
import io.intentstream.job.embedded.EmbeddedKafkaBroker;
import io.intentstream.model.Device;
import io.intentstream.model.ElcRecConfig;
import io.intentstream.model.ElcRecModel;
import io.intentstream.model.offline.BenchmarkDataset;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.imageio.ImageIO;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code intent-stream report} opened in a real headless browser (Debian's chromium): every chart of every
 * section is drawn (the page flags how many it drew, each chart's element holds an SVG with its marks), and a
 * screenshot shows coloured chart pixels. Skipped, saying so, only when no chromium binary is installed.
 */
class ReportCommandBrowserITCase {

    private static final List<String> CHARTS = List.of("train-loss", "train-validation", "bench-gflops",
            "bench-throughput", "bench-latency", "bench-products", "tradeoff-training-fraction-rate",
            "tradeoff-training-fraction-quality", "max-wait-latency", "cluster-sizes", "cluster-occupancy",
            "embedding-projection");
    private static final int USERS_EMBEDDED = 60;

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void everyChartOfAFullReportRendersInHeadlessChromium(@TempDir Path dir) throws Exception {
        Path chromium = chromium();
        assumeTrue(chromium != null, "chromium is not installed (apt-get install -y chromium): the report's "
                + "browser test is skipped");

        Path train = write(dir.resolve("results.json"), TRAIN_RESULTS);
        Path bench = write(dir.resolve("bench.json"), BENCH);
        Path fractions = write(dir.resolve("fractions.json"), FRACTION_CURVE);
        Path maxWaits = write(dir.resolve("max-waits.json"), MAX_WAIT_CURVE);
        Path demo = write(dir.resolve("demo.json"), DEMO);
        Path data = benchmarkFile(dir.resolve("data.txt"));
        Path model = dir.resolve("model.bin");
        try (ElcRecModel m = ElcRecModel.create(ElcRecConfig.builder(40).maxSequenceLength(8).hiddenSize(8)
                .clusters(4).device(Device.CPU).build())) {
            m.initialiseCentres(BenchmarkDataset.read(data).trainingInputs(8));
            Files.write(model, m.snapshot().toBytes());
        }
        Path html = dir.resolve("report.html");
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            broker.createTopics(List.of("intents"), 2);
            writeIntents(broker.bootstrapServers(), "intents", 600);
            StringWriter err = new StringWriter();
            CommandLine cli = IntentStreamCli.commandLine();
            cli.setErr(new PrintWriter(err));
            cli.setOut(new PrintWriter(new StringWriter()));
            int code = cli.execute("report", "--out", html.toString(), "--train", train.toString(), "--bench",
                    bench.toString(), "--bench", fractions.toString(), "--bench", maxWaits.toString(), "--demo", demo.toString(), "--intents-from", broker.bootstrapServers(),
                    "--model", model.toString(), "--data", data.toString(), "--users",
                    Integer.toString(USERS_EMBEDDED));
            assertThat(code).as(err.toString()).isZero();
        }
        String page = Files.readString(html);
        assertThat(page).doesNotContain("src=\"http").doesNotContain("href=\"http");

        String dom = run(chromium, dir, "--dump-dom", html.toUri().toString());
        assertThat(dom).contains("data-charts-rendered=\"" + CHARTS.size() + "\"");
        for (String chart : CHARTS) {
            String element = chartElement(dom, chart);
            assertThat(element).as(chart).contains("<svg");
            assertThat(count(element, "<path")).as(chart + ": drawn marks").isGreaterThanOrEqualTo(3);
        }
        // One mark per user and per centre in the projection, not just axes.
        assertThat(count(chartElement(dom, "embedding-projection"), "<path"))
                .isGreaterThanOrEqualTo(USERS_EMBEDDED + 4);

        Path screenshot = dir.resolve("report.png");
        run(chromium, dir, "--screenshot=" + screenshot, "--window-size=1100,5200", html.toUri().toString());
        BufferedImage image = ImageIO.read(screenshot.toFile());
        assertThat(image).isNotNull();
        // ECharts draws series in saturated palette colours; text and axes are grey. Thousands of such pixels
        // mean the lines, bars and points are on screen.
        assertThat(saturatedPixels(image)).isGreaterThan(5_000);
    }

    private static Path chromium() {
        for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
                Path candidate = Path.of(dir, name);
                if (Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        return null;
    }

    private static String run(Path chromium, Path dir, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox",
                "--disable-gpu", "--disable-dev-shm-usage", "--user-data-dir=" + dir.resolve("chromium-profile"),
                "--virtual-time-budget=10000"));
        command.addAll(List.of(args));
        Path stdout = dir.resolve("chromium.out");
        Process process = new ProcessBuilder(command).redirectOutput(stdout.toFile())
                .redirectError(dir.resolve("chromium.err").toFile()).start();
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("chromium did not finish within 90 s");
        }
        assertThat(process.exitValue()).as(Files.readString(dir.resolve("chromium.err"))).isZero();
        return Files.readString(stdout);
    }

    /** The chart's element from its opening tag to the next chart's (or the end of the body). */
    private static String chartElement(String dom, String chart) {
        int start = dom.indexOf("id=\"chart-" + chart + "\"");
        assertThat(start).as("element of chart " + chart).isNotNegative();
        int next = dom.indexOf("class=\"chart", start + 1);
        int end = next < 0 ? dom.length() : next;
        return dom.substring(start, end);
    }

    private static int count(String text, String token) {
        Matcher m = Pattern.compile(Pattern.quote(token)).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private static long saturatedPixels(BufferedImage image) {
        long n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                int r = (rgb >> 16) & 0xff;
                int g = (rgb >> 8) & 0xff;
                int b = rgb & 0xff;
                if (Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) > 60) {
                    n++;
                }
            }
        }
        return n;
    }

    private static Path write(Path file, String text) throws IOException {
        return Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    private static Path benchmarkFile(Path file) throws IOException {
        SplittableRandom random = new SplittableRandom(5);
        List<String> lines = new ArrayList<>();
        for (int u = 1; u <= 80; u++) {
            StringBuilder line = new StringBuilder(Integer.toString(u));
            int length = 4 + random.nextInt(8);
            for (int i = 0; i < length; i++) {
                line.append(' ').append(1 + random.nextInt(40));
            }
            lines.add(line.toString());
        }
        return Files.write(file, lines);
    }

    private static void writeIntents(String bootstrap, String topic, int count) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        SplittableRandom random = new SplittableRandom(8);
        long start = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < count; i++) {
                String user = "u" + random.nextInt(120);
                // Early events crowd into few clusters, later ones spread out: occupancy grows over time.
                int clusters = 2 + i * 14 / count;
                IntentAssignment a = IntentAssignment.newBuilder()
                        .setEventId("e" + i).setUserId(user)
                        .setEventTime(Instant.ofEpochMilli(start + i * 1_000L))
                        .setEmitTime(Instant.ofEpochMilli(start + i * 1_000L + 50))
                        .setModelVersion(i / 10).setClusterId(random.nextInt(clusters))
                        .setClusterDistance(0.5f).setRunnerUpClusterId(0).setRunnerUpDistance(0.7f)
                        .build();
                producer.send(new ProducerRecord<>(topic, user, AvroBinary.encode(a)));
            }
            producer.flush();
        }
    }

    private static final String TRAIN_RESULTS = """
            {"preset":"beauty","ablation":"full","dataset":"Beauty.txt","status":"completed","epochs_run":3,
             "best_epoch":3,"sequences_per_second":310.5,"wall_seconds":250.0,
             "test":{"reference_protocol":{"hr@5":0.031,"hr@20":0.071,"ndcg@5":0.02,"ndcg@20":0.031}},
             "epochs":[
              {"epoch":1,"loss":{"total":9.9,"next_item":1.37,"sequence_contrast":7.7,"intent_contrast":1.9,"cluster":-1.08}},
              {"epoch":2,"loss":{"total":8.1,"next_item":1.10,"sequence_contrast":6.2,"intent_contrast":1.7,"cluster":-0.9}},
              {"epoch":3,"loss":{"total":7.2,"next_item":0.95,"sequence_contrast":5.6,"intent_contrast":1.5,"cluster":-0.85}}],
             "valid":[
              {"epoch":1,"hr@5":0.0016,"hr@20":0.0051,"ndcg@5":0.0008,"ndcg@20":0.0017},
              {"epoch":2,"hr@5":0.012,"hr@20":0.031,"ndcg@5":0.007,"ndcg@20":0.013},
              {"epoch":3,"hr@5":0.025,"hr@20":0.061,"ndcg@5":0.016,"ndcg@20":0.026}]}
            """;

    private static final String BENCH = """
            {"matmul_gflops":120.5,"step":{
              "inference":{"sequences_per_second":2400,"gflops":10.9},
              "next_item":{"sequences_per_second":1500,"gflops":26.6},
              "full":{"sequences_per_second":700,"gflops":54.1}},
             "e2e_events_per_second":410.2,
             "e2e":{"loads":[
              {"load_fraction":0.5,"input_events_per_second":205,"p50":180,"p90":260,"p99":340},
              {"load_fraction":0.9,"input_events_per_second":369,"p50":420,"p90":700,"p99":990}]},
             "latency_ms":{"p50":180,"p99":340},
             "matmul":{"size":2048},
             "step_products":[
              {"name":"query/key/value (B)","batch":1,"m":12800,"k":64,"n":192,"per_step":1,"gflops":40.1},
              {"name":"attention scores (B)","batch":512,"m":50,"k":32,"n":50,"per_step":1,"gflops":8.3},
              {"name":"sequence contrast","batch":1,"m":512,"k":3200,"n":512,"per_step":1,"gflops":95.0}],
             "step_products_gflops":61.0,"step_products_ms":180.0,
             "ratios":{"full_step_vs_peak":0.45,"e2e_vs_step":0.59,"step_products_vs_peak":0.51,
               "full_step_vs_step_products":0.89},
             "goals":{"full_step_vs_peak_met":true,"e2e_vs_step_met":false,"p99_met":true},
             "machine":{"processors":2}}
            """;

    private static final String FRACTION_CURVE = """
            {"knob":"training.fraction","events":20000,"data":"Beauty.txt","points":[
              {"training.fraction":0,"events_per_second":1244,"prequential_ndcg10":0.0003,"prequential_hr10":0.0007,
               "trained_events":0,"load_average_after":[9.5]},
              {"training.fraction":0.5,"events_per_second":537,"prequential_ndcg10":0.0008,"prequential_hr10":0.0016,
               "trained_events":9309,"load_average_after":[11.7]},
              {"training.fraction":1,"events_per_second":257,"prequential_ndcg10":0.0011,"prequential_hr10":0.0022,
               "trained_events":18352,"load_average_after":[13.5]}]}
            """;

    private static final String MAX_WAIT_CURVE = """
            {"knob":"training.max-wait","batch_size":256,"reference_events_per_second":580,"points":[
              {"max_wait_ms":20,"sustained_events_per_second":580,"loads":[
                {"load_fraction":0.5,"input_events_per_second":290,"p50":300,"p99":700},
                {"load_fraction":0.9,"input_events_per_second":522,"p50":2500,"p99":4000}]},
              {"max_wait_ms":50,"sustained_events_per_second":575,"loads":[
                {"load_fraction":0.5,"input_events_per_second":290,"p50":350,"p99":650},
                {"load_fraction":0.9,"input_events_per_second":522,"p50":900,"p99":1300}]},
              {"max_wait_ms":200,"sustained_events_per_second":578,"loads":[
                {"load_fraction":0.5,"input_events_per_second":290,"p50":1268,"p99":1955},
                {"load_fraction":0.9,"input_events_per_second":522,"p50":10046,"p99":15137}]}]}
            """;

    private static final String DEMO = """
            {"input":"planted-intents","events_in":20000,"intents_out":20000,"users_per_cluster":{"0":120,"3":80}}
            """;
}
