// Dense Verlet neighbour list from a cell list (Allen & Tildesley, 2nd ed., section 5.3.2).
//
// For every atom i, row i of idx [n, capacity] receives the atoms j != i whose minimum-image distance
// is below `reach`, in cell order; the rest of the row is padded with n. count[i] is the
// true number of neighbours, also when it exceeds `capacity` (the caller reports the overflow).
// Cells: nc[0] x nc[1] x nc[2] cells of width box/nc >= reach / reach_cells, nc >= 2 reach_cells + 1 per
// axis, so the (2 reach_cells + 1)^3 stencil cells of any cell are distinct and each pair is seen once
// per row (reach_cells = 2, half-width cells, scans 343/593 of the volume that reach_cells = 1 scans). Positions may lie outside the
// box; they are wrapped here, and atoms of a neighbour cell across the boundary are shifted by one box
// length (with the stencil above this is the minimum image). Deterministic:
// the counting sort is sequential and stable.
#include <cmath>
#include <cstdint>
#include <vector>

template <typename T>
static void build(const T* R, int64_t n, const double* box, const int64_t* nc, double reach,
                  int64_t capacity, int32_t* idx, int32_t* count, int threads, int reach_cells) {
    const int64_t ncell = nc[0] * nc[1] * nc[2];
    std::vector<int64_t> cell(n), start(ncell + 1, 0);
    std::vector<int32_t> order(n);
    std::vector<T> wrapped(3 * n), sorted(3 * n);
    for (int64_t i = 0; i < n; ++i) {
        int64_t c[3];
        for (int a = 0; a < 3; ++a) {
            double x = std::fmod((double)R[3 * i + a], box[a]);
            if (x < 0) x += box[a];
            if (x >= box[a]) x = 0;  // fmod of a tiny negative number can round up to box
            wrapped[3 * i + a] = (T)x;
            int64_t k = (int64_t)(x / box[a] * (double)nc[a]);
            c[a] = k < 0 ? 0 : (k >= nc[a] ? nc[a] - 1 : k);
        }
        cell[i] = (c[0] * nc[1] + c[1]) * nc[2] + c[2];
        start[cell[i] + 1] += 1;
    }
    for (int64_t c = 0; c < ncell; ++c) start[c + 1] += start[c];
    std::vector<int64_t> fill(start.begin(), start.end() - 1);
    for (int64_t i = 0; i < n; ++i) {
        const int64_t s = fill[cell[i]]++;
        order[s] = (int32_t)i;
        for (int a = 0; a < 3; ++a) sorted[3 * s + a] = wrapped[3 * i + a];
    }
    const T r2max = (T)(reach * reach);
    const int w = 2 * reach_cells + 1;
    const int stencil = w * w * w;
#pragma omp parallel for schedule(dynamic, 16) num_threads(threads)
    for (int64_t c = 0; c < ncell; ++c) {
        if (start[c] == start[c + 1]) continue;
        // the stencil cells of c, and the image shift that brings each next to c
        const int64_t cxyz[3] = {c / (nc[1] * nc[2]), (c / nc[2]) % nc[1], c % nc[2]};
        std::vector<int64_t> lo(stencil), hi(stencil);
        std::vector<T> sh(3 * stencil);
        int t = 0;
        for (int dx = -reach_cells; dx <= reach_cells; ++dx)
            for (int dy = -reach_cells; dy <= reach_cells; ++dy)
                for (int dz = -reach_cells; dz <= reach_cells; ++dz, ++t) {
                    const int d[3] = {dx, dy, dz};
                    int64_t m[3];
                    for (int a = 0; a < 3; ++a) {
                        const int64_t q = cxyz[a] + d[a];
                        m[a] = q < 0 ? q + nc[a] : (q >= nc[a] ? q - nc[a] : q);
                        sh[3 * t + a] = q < 0 ? (T)-box[a] : (q >= nc[a] ? (T)box[a] : (T)0);
                    }
                    const int64_t nb = (m[0] * nc[1] + m[1]) * nc[2] + m[2];
                    lo[t] = start[nb];
                    hi[t] = start[nb + 1];
                }
        int64_t candidates = 0;
        for (int u = 0; u < stencil; ++u) candidates += hi[u] - lo[u];
        std::vector<int32_t> found(candidates + 1);
        for (int64_t si = start[c]; si < start[c + 1]; ++si) {
            const int32_t i = order[si];
            const T xi = sorted[3 * si], yi = sorted[3 * si + 1], zi = sorted[3 * si + 2];
            int64_t k = 0;
            for (int u = 0; u < stencil; ++u) {
                const T ox = xi - sh[3 * u], oy = yi - sh[3 * u + 1], oz = zi - sh[3 * u + 2];
                for (int64_t s = lo[u]; s < hi[u]; ++s) {  // branch-free: always write, advance on a hit
                    const T ddx = ox - sorted[3 * s], ddy = oy - sorted[3 * s + 1], ddz = oz - sorted[3 * s + 2];
                    found[k] = order[s];
                    k += (ddx * ddx + ddy * ddy + ddz * ddz < r2max) & (s != si);
                }
            }
            int32_t* row = idx + (int64_t)i * capacity;
            for (int64_t q = 0; q < k && q < capacity; ++q) row[q] = found[q];
            for (int64_t q = k; q < capacity; ++q) row[q] = (int32_t)n;  // the padding, written here while the row is hot
            count[i] = (int32_t)k;
        }
    }
}

extern "C" {
void cell_list_f32(const float* R, int64_t n, const double* box, const int64_t* nc, double reach,
                   int64_t capacity, int32_t* idx, int32_t* count, int threads, int reach_cells) {
    build<float>(R, n, box, nc, reach, capacity, idx, count, threads, reach_cells);
}
void cell_list_f64(const double* R, int64_t n, const double* box, const int64_t* nc, double reach,
                   int64_t capacity, int32_t* idx, int32_t* count, int threads, int reach_cells) {
    build<double>(R, n, box, nc, reach, capacity, idx, count, threads, reach_cells);
}
}
