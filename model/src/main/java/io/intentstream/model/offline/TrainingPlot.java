package io.intentstream.model.offline;

import io.intentstream.model.LossParts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * training.png: the loss parts per epoch (left) and the validation metrics per validated epoch (right), with a
 * vertical line where a {@link PlateauDecay} lowered the learning rate.
 */
final class TrainingPlot {

    private static final int PANEL_WIDTH = 640;
    private static final int PANEL_HEIGHT = 420;

    private TrainingPlot() {}

    static void write(Path file, List<EpochRecord> epochs, List<ValidationRecord> valid,
            List<LearningRateDrop> learningRateDrops) throws IOException {
        useHeadlessAwt();
        XYChart losses = chart("Training loss parts (weighted, mean per step)", "loss");
        double[] epochAxis = epochs.stream().mapToDouble(EpochRecord::epoch).toArray();
        if (epochAxis.length > 0) {
            addSeries(losses, "total", epochAxis, epochs, LossParts::total);
            addSeries(losses, "next item", epochAxis, epochs, LossParts::nextItem);
            addSeries(losses, "sequence contrast", epochAxis, epochs, LossParts::sequenceContrast);
            addSeries(losses, "intent contrast", epochAxis, epochs, LossParts::intentContrast);
            addSeries(losses, "cluster", epochAxis, epochs, LossParts::cluster);
        }
        XYChart metrics = chart("Validation (reference protocol)", "metric");
        double[] validAxis = valid.stream().mapToDouble(ValidationRecord::epoch).toArray();
        if (validAxis.length > 0) {
            metrics.addSeries("HR@5", validAxis, valid.stream().mapToDouble(ValidationRecord::hr5).toArray());
            metrics.addSeries("HR@20", validAxis, valid.stream().mapToDouble(ValidationRecord::hr20).toArray());
            metrics.addSeries("NDCG@5", validAxis, valid.stream().mapToDouble(ValidationRecord::ndcg5).toArray());
            metrics.addSeries("NDCG@20", validAxis, valid.stream().mapToDouble(ValidationRecord::ndcg20).toArray());
            double top = valid.stream().mapToDouble(ValidationRecord::hr20).filter(Double::isFinite).max().orElse(0);
            for (LearningRateDrop drop : learningRateDrops) {
                // Between the plateau's last epoch and the first at the lower rate.
                double x = drop.afterEpoch() + 0.5;
                metrics.addAnnotation(new AnnotationLine(x, true, false));
                metrics.addAnnotation(new AnnotationText(String.format(Locale.ROOT, "lr %.0e", drop.learningRate()),
                        x, top, false));
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        BitmapEncoder.saveBitmap(List.of(losses, metrics), 1, 2, png, BitmapEncoder.BitmapFormat.PNG);
        OfflineJson.writeAtomically(file, png.toByteArray());
    }

    /** Training runs on servers without a display; AWT must not look for one. */
    static void useHeadlessAwt() {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    /** A line chart over epochs, the style of every offline plot. */
    static XYChart chart(String title, String yTitle) {
        XYChart chart = new XYChartBuilder().width(PANEL_WIDTH).height(PANEL_HEIGHT).title(title)
                .xAxisTitle("epoch").yAxisTitle(yTitle).build();
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        chart.getStyler().setMarkerSize(4);
        return chart;
    }

    private static void addSeries(XYChart chart, String name, double[] x, List<EpochRecord> epochs,
            ToDoubleFunction<LossParts> part) {
        double[] y = epochs.stream().mapToDouble(e -> part.applyAsDouble(e.loss())).toArray();
        // An epoch whose every step was skipped has no mean loss: XChart leaves a gap at NaN, while an infinite
        // value would stretch the axis until every other point is flat.
        for (int i = 0; i < y.length; i++) {
            if (!Double.isFinite(y[i])) {
                y[i] = Double.NaN;
            }
        }
        chart.addSeries(name, x, y).setMarker(SeriesMarkers.CIRCLE);
    }
}
