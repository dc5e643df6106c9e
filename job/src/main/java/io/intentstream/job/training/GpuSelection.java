package io.intentstream.job.training;

import org.apache.flink.api.common.externalresource.ExternalResourceInfo;

import java.util.Collection;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Which CUDA device the training operator's model uses: the one Flink's GPU external resource
 * ({@code external-resources: gpu}, {@code external-resource.gpu.*}) assigned to this TaskManager, read from
 * {@code getExternalResourceInfos("gpu")}. Flink's GPU driver describes each device by its {@code index} property
 * (the CUDA index as nvidia-smi and its discovery script see it). Without the external resource, device 0.
 */
public final class GpuSelection {

    public static final String RESOURCE_NAME = "gpu";
    static final String INDEX_PROPERTY = "index";

    private GpuSelection() {}

    /**
     * The lowest GPU index among {@code infos}; 0 when there are none (no external resource configured, or a
     * CPU-only TaskManager, where the index is ignored).
     *
     * @throws IllegalArgumentException if a GPU's index property is missing or not a non-negative integer
     */
    public static int gpuIndex(Collection<ExternalResourceInfo> infos) {
        TreeSet<Integer> indices = new TreeSet<>();
        for (ExternalResourceInfo info : infos) {
            Optional<String> index = info.getProperty(INDEX_PROPERTY);
            if (index.isEmpty()) {
                throw new IllegalArgumentException("external resource 'gpu' without an '" + INDEX_PROPERTY
                        + "' property (properties: " + info.getKeys() + ")");
            }
            try {
                int value = Integer.parseInt(index.get().trim());
                if (value < 0) {
                    throw new NumberFormatException("negative");
                }
                indices.add(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("external resource 'gpu' has index '" + index.get()
                        + "', not a GPU number", e);
            }
        }
        return indices.isEmpty() ? 0 : indices.first();
    }
}
