package io.intentstream.job.cli;

import io.intentstream.job.replay.FileSystemModelExport;

import java.io.IOException;
import java.net.URI;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.plugin.PluginUtils;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * Flink file systems for the command line's model locations ({@code --export}, {@code --init-model},
 * {@code --model}): the same URIs the job takes ({@code file://}, {@code s3://}, {@code gs://}, {@code hdfs://} ...),
 * read and written by {@link FileSystemModelExport}.
 *
 * <p>A cluster process loads its file system plugins at start-up; a command-line JVM (and the MiniCluster inside it,
 * which does not) has to do it itself: {@link #initialize} loads them from {@code ./plugins} or
 * {@code $FLINK_PLUGINS_DIR} (one folder per plugin, as in a Flink distribution), configured by
 * {@code $FLINK_CONF_DIR/config.yaml} when that is set, and by the settings given on the command line.
 */
final class FlinkFileSystems {

    private FlinkFileSystems() {}

    /**
     * (Re-)initialises Flink's file systems for this JVM with the plugins and {@code settings} (e.g.
     * {@code s3.endpoint}), on top of {@code $FLINK_CONF_DIR}'s configuration when that is set.
     */
    static void initialize(Configuration settings) {
        Configuration configuration = new Configuration();
        String confDir = System.getenv("FLINK_CONF_DIR");
        if (confDir != null && !confDir.isBlank()) {
            configuration.addAll(GlobalConfiguration.loadConfiguration(confDir));
        }
        configuration.addAll(settings);
        FileSystem.initialize(configuration, PluginUtils.createPluginManagerFromRootFolder(configuration));
    }

    /** {@link #initialize(Configuration)} without settings of the command's own. */
    static void initialize() {
        initialize(new Configuration());
    }

    /**
     * Fails with a usage error naming {@code option} when {@code location} is not a path or URI whose file system
     * this JVM can reach (a scheme without its plugin, a malformed URI): at the start of a command, not after hours
     * of training.
     *
     * @return the location as a URI
     */
    static URI requireReachable(CommandSpec spec, String option, String location) {
        URI uri;
        try {
            uri = FileSystemModelExport.toUri(location);
            new Path(uri).getFileSystem();
        } catch (IllegalArgumentException | IOException e) {
            throw new ParameterException(spec.commandLine(), option + " " + location + ": " + e.getMessage(), e);
        }
        return uri;
    }

    /** A URI of the local file system as the plain path people typed; any other URI as it is. */
    static String display(URI location) {
        return "file".equals(location.getScheme()) ? java.nio.file.Path.of(location).toString() : location.toString();
    }
}
