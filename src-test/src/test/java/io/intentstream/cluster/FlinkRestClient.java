package io.intentstream.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The few calls of Flink's REST API the cluster tests need, as plain JSON trees. */
public final class FlinkRestClient {

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    private final String baseUrl;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(REQUEST_TIMEOUT).build();
    private final ObjectMapper json = new ObjectMapper();

    public FlinkRestClient(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    public JsonNode get(String path) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(REQUEST_TIMEOUT).GET().build());
    }

    /** Job state and whether every subtask of every vertex is RUNNING (the job can read RUNNING before they are). */
    public JobProgress progress(String jobId) {
        JsonNode job = get("/jobs/" + jobId);
        boolean allRunning = true;
        for (JsonNode vertex : job.path("vertices")) {
            int parallelism = vertex.path("parallelism").asInt();
            if (vertex.path("tasks").path("RUNNING").asInt() != parallelism) {
                allRunning = false;
            }
        }
        return new JobProgress(job.path("state").asText(), allRunning);
    }

    public record JobProgress(String state, boolean allSubtasksRunning) {
        public boolean fullyRunning() {
            return "RUNNING".equals(state) && allSubtasksRunning;
        }
    }

    /** Completed checkpoints of the job so far. */
    public long completedCheckpoints(String jobId) {
        return get("/jobs/" + jobId + "/checkpoints").path("counts").path("completed").asLong();
    }

    /** The id of the checkpoint the job last restored from, if it restored at all. */
    public Optional<Long> restoredCheckpoint(String jobId) {
        JsonNode restored = get("/jobs/" + jobId + "/checkpoints").path("latest").path("restored");
        return restored.isMissingNode() || restored.isNull() ? Optional.empty() : Optional.of(restored.path("id").asLong());
    }

    /** Resource ids of the TaskManagers running subtasks of the vertex whose name starts with {@code namePrefix}. */
    public List<String> taskManagersOf(String jobId, String namePrefix) {
        for (JsonNode vertex : get("/jobs/" + jobId).path("vertices")) {
            if (vertex.path("name").asText().startsWith(namePrefix)) {
                List<String> ids = new ArrayList<>();
                for (JsonNode tm : get("/jobs/" + jobId + "/vertices/" + vertex.path("id").asText() + "/taskmanagers")
                        .path("taskmanagers")) {
                    ids.add(tm.path("taskmanager-id").asText());
                }
                return ids;
            }
        }
        throw new IllegalStateException("job " + jobId + " has no vertex named " + namePrefix + "...");
    }

    public void cancel(String jobId) {
        send(HttpRequest.newBuilder(URI.create(baseUrl + "/jobs/" + jobId + "?mode=cancel"))
                .timeout(REQUEST_TIMEOUT)
                .method("PATCH", HttpRequest.BodyPublishers.noBody())
                .build());
    }

    private JsonNode send(HttpRequest request) {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new IllegalStateException(request.method() + " " + request.uri() + " answered "
                        + response.statusCode() + ": " + response.body());
            }
            return response.body().isBlank() ? json.createObjectNode() : json.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(request.method() + " " + request.uri(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
