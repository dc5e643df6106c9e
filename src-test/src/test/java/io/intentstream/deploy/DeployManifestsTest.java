package io.intentstream.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.intentstream.job.IntentStreamJob;
import io.intentstream.job.config.IntentStreamOptions;
import io.intentstream.model.Device;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * No Kubernetes cluster runs here, so the FlinkDeployment manifests (deploy/*.yaml) are checked by parsing
 * them: the settings an SRE relies on are present, every job argument is an intent-stream ConfigOption whose value
 * passes the job's own validation, and the image they name matches what deploy/Dockerfile builds.
 */
class DeployManifestsTest {

    private static final Path REPOSITORY = Path.of("").toAbsolutePath().getParent();
    private static final Path MANIFESTS = REPOSITORY.resolve("deploy");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    static Stream<Path> manifests() throws IOException {
        try (Stream<Path> files = Files.list(MANIFESTS)) {
            List<Path> yaml = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
            assertThat(yaml).as("manifests in %s", MANIFESTS).isNotEmpty();
            return yaml.stream();
        }
    }

    @ParameterizedTest
    @MethodSource("manifests")
    void everyManifestIsAFlinkDeploymentOfThisJobInApplicationModeWithSavepointUpgrades(Path file) throws IOException {
        JsonNode manifest = YAML.readTree(file.toFile());
        assertThat(manifest.path("apiVersion").asText()).isEqualTo("flink.apache.org/v1beta1");
        assertThat(manifest.path("kind").asText()).isEqualTo("FlinkDeployment");
        assertThat(manifest.path("metadata").path("name").asText()).matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
        JsonNode spec = manifest.path("spec");
        String runningFlink = EnvironmentInformation.getVersion(); // the version the job is built against
        assertThat(spec.path("flinkVersion").asText())
                .as("operator's flinkVersion matches the build's Flink %s", runningFlink)
                .isEqualTo("v" + runningFlink.replaceAll("^(\\d+)\\.(\\d+).*", "$1_$2"));
        assertThat(spec.path("image").asText()).isNotBlank();

        JsonNode job = spec.path("job");
        assertThat(job.path("upgradeMode").asText()).isEqualTo("savepoint");
        assertThat(job.path("entryClass").asText()).isEqualTo(IntentStreamJob.class.getName());
        assertThat(job.path("jarURI").asText()).isEqualTo("local:///opt/flink/usrlib/intent-stream-job.jar");
        assertThat(job.path("parallelism").asInt()).isPositive();
        assertThat(spec.path("jobManager").path("resource").path("memory").asText()).isNotBlank();
        assertThat(spec.path("taskManager").path("resource").path("memory").asText()).isNotBlank();
    }

    @ParameterizedTest
    @MethodSource("manifests")
    void everyManifestConfiguresRocksDbIncrementalCheckpointsHaRestartsMaxParallelismAndPrometheus(Path file)
            throws IOException {
        JsonNode spec = YAML.readTree(file.toFile()).path("spec");
        Configuration flink = flinkConfiguration(spec);
        assertThat(flink.getString("state.backend.type", null)).isEqualTo("rocksdb");
        assertThat(flink.getString("state.backend.incremental", null)).isEqualTo("true");
        assertThat(flink.getString("execution.checkpointing.dir", "")).matches("[a-z0-9]+://.+");
        assertThat(flink.getString("execution.checkpointing.savepoint-dir", "")).matches("[a-z0-9]+://.+");
        assertThat(flink.getString("high-availability.type", null)).isEqualTo("kubernetes");
        assertThat(flink.getString("high-availability.storageDir", "")).matches("[a-z0-9]+://.+");
        assertThat(flink.getString("restart-strategy.type", null))
                .isIn("fixed-delay", "exponential-delay", "failure-rate");
        int maxParallelism = Integer.parseInt(flink.getString("pipeline.max-parallelism", "0"));
        assertThat(maxParallelism).as("explicit max parallelism")
                .isGreaterThanOrEqualTo(spec.path("job").path("parallelism").asInt())
                .isLessThanOrEqualTo(32_768);
        assertThat(flink.getString("metrics.reporter.prom.factory.class", null))
                .isEqualTo("org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        assertThat(flink.getString("metrics.reporter.prom.port", null)).isNotBlank();
        assertThat(flink.getString("classloader.parent-first-patterns.additional", ""))
                .as("DJL loaded parent-first").contains("ai.djl.");
        assertThat(flink.getString("env.java.opts.taskmanager", "")).contains("-Dai.djl.offline=true");
        assertThat(flink.containsKey("env.java.opts.all"))
                .as("env.java.opts.all left to the image (it holds Flink's Java 17 --add-opens flags)").isFalse();
    }

    @ParameterizedTest
    @MethodSource("manifests")
    void everyJobArgumentIsAnIntentStreamOptionWithAValidValue(Path file) throws IOException {
        List<String> args = jobArgs(YAML.readTree(file.toFile()).path("spec"));
        Set<String> known = IntentStreamOptions.all().stream().map(ConfigOption::key).collect(Collectors.toSet());
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < args.size(); i += 2) {
            assertThat(args.get(i)).as("argument %d of %s is an option name", i, file.getFileName()).startsWith("--");
            keys.add(args.get(i).substring(2));
        }
        assertThat(args).as("every option has a value").hasSize(2 * keys.size());
        assertThat(keys).as("job settings in %s", file.getFileName()).isSubsetOf(known).doesNotHaveDuplicates();
        Configuration options = IntentStreamOptions.fromArgs(args.toArray(String[]::new));
        assertThatCode(() -> IntentStreamOptions.modelConfig(options)).doesNotThrowAnyException();
    }

    @Test
    void theGpuVariantRequestsOneNvidiaGpuPerTaskManagerThroughFlinksExternalResourceAndRunsTheModelOnIt()
            throws IOException {
        JsonNode spec = YAML.readTree(MANIFESTS.resolve("intent-stream-gpu.yaml").toFile()).path("spec");
        Configuration flink = flinkConfiguration(spec);
        assertThat(flink.getString("external-resources", "").split(";")).contains("gpu");
        assertThat(Integer.parseInt(flink.getString("external-resource.gpu.amount", "0"))).isPositive();
        assertThat(flink.getString("external-resource.gpu.driver-factory.class", null))
                .isEqualTo("org.apache.flink.externalresource.gpu.GPUDriverFactory");
        assertThat(flink.getString("external-resource.gpu.kubernetes.config-key", null)).isEqualTo("nvidia.com/gpu");
        assertThat(flink.getString("external-resource.gpu.param.discovery-script.path", ""))
                .startsWith("plugins/external-resource-gpu/");
        Configuration options = IntentStreamOptions.fromArgs(jobArgs(spec).toArray(String[]::new));
        assertThat(options.get(IntentStreamOptions.DEVICE)).isEqualTo(Device.GPU);

        JsonNode cpu = YAML.readTree(MANIFESTS.resolve("intent-stream.yaml").toFile()).path("spec");
        assertThat(flinkConfiguration(cpu).containsKey("external-resources")).as("CPU variant asks for no GPU").isFalse();
    }

    @Test
    void theDockerfileBuildsOnTheOfficialFlinkJava17ImageWithDjlInLibAndTheJobJarWhereTheManifestsLookForIt()
            throws IOException {
        String dockerfile = Files.readString(REPOSITORY.resolve("deploy/Dockerfile"));
        String flinkVersion = EnvironmentInformation.getVersion();
        Matcher base = Pattern.compile("ARG FLINK_IMAGE=flink:(\\S+)").matcher(dockerfile);
        assertThat(base.find()).as("base image argument").isTrue();
        assertThat(base.group(1)).isEqualTo(flinkVersion + "-java17");
        assertThat(dockerfile).contains("COPY --from=build --chown=flink:flink /out/lib/ /opt/flink/lib/");
        assertThat(dockerfile).contains("COPY --from=build --chown=flink:flink /out/usrlib/ /opt/flink/usrlib/");
        assertThat(dockerfile).contains("cp job/target/intent-stream-job.jar /out/usrlib/");
        assertThat(dockerfile).contains("deploy/image/djl-lib.pom.xml");
        assertThat(REPOSITORY.resolve("deploy/image/djl-lib.pom.xml")).isRegularFile();
    }

    /** The manifest's flinkConfiguration as Flink would read it (nested YAML keys flattened with dots). */
    private static Configuration flinkConfiguration(JsonNode spec) throws IOException {
        JsonNode config = spec.path("flinkConfiguration");
        assertThat(config.isObject()).as("spec.flinkConfiguration is a map").isTrue();
        Path file = Files.createTempDirectory("flink-conf-");
        try {
            Files.writeString(file.resolve(GlobalConfiguration.FLINK_CONF_FILENAME), YAML.writeValueAsString(config));
            return GlobalConfiguration.loadConfiguration(file.toString());
        } finally {
            try (Stream<Path> files = Files.list(file)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(file);
        }
    }

    private static List<String> jobArgs(JsonNode spec) {
        List<String> args = new ArrayList<>();
        spec.path("job").path("args").forEach(arg -> {
            assertThat(arg.isTextual()).as("job argument %s is a string (quote numbers)", arg).isTrue();
            args.add(arg.asText());
        });
        assertThat(args).as("spec.job.args").isNotEmpty();
        return args;
    }
}
