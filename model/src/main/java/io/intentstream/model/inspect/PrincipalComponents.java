package io.intentstream.model.inspect;

import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.SingularValueDecomposition;

/**
 * A 2-D view of intent centres and user embeddings, as the paper's Figure 7 (which uses t-SNE; a linear
 * projection is used here because it is deterministic and keeps distances along its axes comparable).
 *
 * <p>Both sets are L2-normalised first, since intents are assigned by distance between unit vectors, then
 * projected onto the two leading principal components of their union (the SVD of the centred rows).
 */
public final class PrincipalComponents {

    /**
     * @param centres (k, 2) projected centres
     * @param embeddings (n, 2) projected embeddings
     * @param explainedVariance the share of the total variance each of the two axes carries
     */
    public record Projection(double[][] centres, double[][] embeddings, double[] explainedVariance) {}

    private PrincipalComponents() {}

    public static Projection project(float[][] centres, float[][] embeddings) {
        int rows = centres.length + embeddings.length;
        if (rows < 2) {
            throw new IllegalArgumentException("a projection needs at least two rows, got " + rows);
        }
        int d = centres.length > 0 ? centres[0].length : embeddings[0].length;
        if (d < 2) {
            throw new IllegalArgumentException("a 2-D projection needs at least 2 dimensions, got " + d);
        }
        double[][] data = new double[rows][];
        for (int i = 0; i < rows; i++) {
            float[] row = i < centres.length ? centres[i] : embeddings[i - centres.length];
            if (row.length != d) {
                throw new IllegalArgumentException("row " + i + " has " + row.length + " dimensions, expected " + d);
            }
            data[i] = unit(row);
        }
        double[] mean = new double[d];
        for (double[] row : data) {
            for (int j = 0; j < d; j++) {
                mean[j] += row[j] / rows;
            }
        }
        RealMatrix centred = new Array2DRowRealMatrix(rows, d);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < d; j++) {
                centred.setEntry(i, j, data[i][j] - mean[j]);
            }
        }
        SingularValueDecomposition svd = new SingularValueDecomposition(centred);
        double[] singular = svd.getSingularValues(); // descending
        RealMatrix axes = svd.getV().getSubMatrix(0, d - 1, 0, 1); // (d, 2)
        double[][] projected = centred.multiply(axes).getData(); // (rows, 2)
        double total = 0;
        for (double s : singular) {
            total += s * s;
        }
        double[] explained = new double[2];
        for (int a = 0; a < 2; a++) {
            explained[a] = total == 0 || a >= singular.length ? 0 : singular[a] * singular[a] / total;
        }
        double[][] projectedCentres = new double[centres.length][];
        double[][] projectedEmbeddings = new double[embeddings.length][];
        System.arraycopy(projected, 0, projectedCentres, 0, centres.length);
        System.arraycopy(projected, centres.length, projectedEmbeddings, 0, embeddings.length);
        return new Projection(projectedCentres, projectedEmbeddings, explained);
    }

    private static double[] unit(float[] row) {
        double norm = 0;
        for (float v : row) {
            norm += (double) v * v;
        }
        norm = Math.sqrt(norm);
        double[] out = new double[row.length];
        for (int j = 0; j < row.length; j++) {
            out[j] = norm == 0 ? 0 : row[j] / norm;
        }
        return out;
    }
}
