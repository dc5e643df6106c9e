package io.intentstream.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Drives {@code deploy/local-cluster.sh}, the script an operator uses, so the tests exercise exactly what the
 * README documents: every command runs the script in a child process with this cluster's ports and home, and its
 * output is appended to {@code home/script.log}.
 */
public final class LocalClusterScript implements AutoCloseable {

    private final Path script;
    private final Path home;
    private final Ports ports;

    /** Loopback ports of one cluster; the Kafka controller takes {@code kafka + 1}. */
    public record Ports(int rest, int rpc, int kafka, int prometheusFirst, int prometheusLast) {
        /** Ports that are free now (a race with other processes is possible but unlikely on loopback). */
        public static Ports free() {
            int kafka = freeConsecutive(2);
            int prometheus = freeConsecutive(6);
            return new Ports(freeConsecutive(1), freeConsecutive(1), kafka, prometheus, prometheus + 5);
        }

        public String prometheusRange() {
            return prometheusFirst + "-" + prometheusLast;
        }
    }

    public LocalClusterScript(Path repository, Path home, Ports ports) {
        this.script = repository.resolve("deploy/local-cluster.sh");
        this.home = home;
        this.ports = ports;
        if (!Files.isExecutable(script)) {
            throw new IllegalStateException(script + " is missing or not executable");
        }
    }

    public Ports ports() {
        return ports;
    }

    public Path home() {
        return home;
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + ports.kafka();
    }

    public String restUrl() {
        return "http://127.0.0.1:" + ports.rest();
    }

    /** Starts Kafka, the JobManager and two TaskManagers and waits until the script reports them ready. */
    public void start(Duration timeout) {
        run(timeout, "start");
    }

    /** Submits the job jar with {@code --key value} job options; returns the Flink job id. */
    public String submit(Duration timeout, Path jobJar, List<String> jobOptions) {
        List<String> args = new ArrayList<>(List.of("submit", jobJar.toString()));
        args.addAll(jobOptions);
        return lastLine(run(timeout, args.toArray(String[]::new)));
    }

    /** Starts one more TaskManager; returns its id (the script's numbering, also its Flink resource id suffix). */
    public int startTaskManager(Duration timeout) {
        return Integer.parseInt(lastLine(run(timeout, "start-taskmanager")));
    }

    public void killTaskManager(int id, Duration timeout) {
        run(timeout, "kill-taskmanager", Integer.toString(id));
    }

    public void stop(Duration timeout) {
        run(timeout, "stop");
    }

    @Override
    public void close() {
        stop(Duration.ofMinutes(2));
    }

    private String run(Duration timeout, String... args) {
        List<String> command = new ArrayList<>();
        command.add(script.toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.put("LOCAL_CLUSTER_HOME", home.toString());
        env.put("FLINK_REST_PORT", Integer.toString(ports.rest()));
        env.put("FLINK_RPC_PORT", Integer.toString(ports.rpc()));
        env.put("KAFKA_PORT", Integer.toString(ports.kafka()));
        env.put("PROMETHEUS_PORTS", ports.prometheusRange());
        try {
            Files.createDirectories(home);
            Process process = builder.start();
            process.getOutputStream().close();
            // The script's own output is small (the daemons write to their own log files); a reader thread keeps
            // a chatty failure from blocking the script on a full pipe.
            StringBuffer output = new StringBuffer();
            Thread reader = new Thread(() -> {
                try {
                    output.append(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    output.append("(output unreadable: ").append(e).append(')');
                }
            }, "local-cluster-script-output");
            reader.setDaemon(true);
            reader.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                reader.join(TimeUnit.SECONDS.toMillis(10));
                throw new IllegalStateException("local-cluster.sh " + String.join(" ", args) + " did not finish within "
                        + timeout + ":\n" + output);
            }
            reader.join(TimeUnit.SECONDS.toMillis(10));
            Files.writeString(home.resolve("script.log"), "$ local-cluster.sh " + String.join(" ", args) + "\n"
                    + output, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            if (process.exitValue() != 0) {
                throw new IllegalStateException("local-cluster.sh " + String.join(" ", args) + " exited with "
                        + process.exitValue() + ":\n" + output);
            }
            return output.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running local-cluster.sh", e);
        }
    }

    private static String lastLine(String output) {
        String[] lines = output.strip().split("\n");
        return lines[lines.length - 1].strip();
    }

    private static int freeConsecutive(int count) {
        for (int attempt = 0; attempt < 200; attempt++) {
            int first = 20_000 + (int) (Math.random() * 30_000);
            boolean free = true;
            for (int port = first; port < first + count && free; port++) {
                try (ServerSocket socket = new ServerSocket(port)) {
                    socket.setReuseAddress(true);
                } catch (IOException taken) {
                    free = false;
                }
            }
            if (free) {
                return first;
            }
        }
        throw new IllegalStateException("no " + count + " consecutive free ports found");
    }
}
