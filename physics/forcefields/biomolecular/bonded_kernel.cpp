// Harmonic bonds and angles and periodic torsions with analytic gradients, the same energies as energy.py:
//   bonds     E = k/2 (r - r0)^2,            r = |r_j - r_i|
//   angles    E = k/2 (theta - theta0)^2,    theta = angle between u = r_i - r_j and v = r_k - r_j
//   torsions  E = k (1 + cos(n phi - phase)), phi the IUPAC dihedral of i-j-k-l (atan2 form)
// energy[0..2] receive the three sums; grad [N, 3] (not null) is added to with dE/dR. The torsion gradient is
// Bekker's (Blondel & Karplus, J. Comput. Chem. 17, 1132, 1996). Minimum image when box is not null.
#include <cmath>
#include <cstdint>

template <typename T>
static inline void vec(const T* R, int64_t from, int64_t to, const double* box, double* d) {
    for (int k = 0; k < 3; ++k) {
        double x = (double)R[3 * to + k] - (double)R[3 * from + k];
        if (box) x -= box[k] * std::nearbyint(x / box[k]);
        d[k] = x;
    }
}

static inline double dot(const double* a, const double* b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
static inline void cross(const double* a, const double* b, double* c) {
    c[0] = a[1] * b[2] - a[2] * b[1];
    c[1] = a[2] * b[0] - a[0] * b[2];
    c[2] = a[0] * b[1] - a[1] * b[0];
}

template <typename T>
static inline void add(T* grad, int64_t atom, const double* g, double scale) {
    for (int k = 0; k < 3; ++k) grad[3 * atom + k] += (T)(scale * g[k]);
}

template <typename T>
static void bonded_sum(const T* R, const double* box, const int64_t* bonds, int64_t n_bonds, const T* kb,
                       const T* r0, const int64_t* angles, int64_t n_angles, const T* ka, const T* theta0,
                       const int64_t* torsions, int64_t n_torsions, const T* kt, const T* periodicity, const T* phase,
                       T* grad, double* energy) {
    double e_bond = 0, e_angle = 0, e_torsion = 0;
    for (int64_t b = 0; b < n_bonds; ++b) {
        const int64_t i = bonds[2 * b], j = bonds[2 * b + 1];
        double d[3];
        vec(R, i, j, box, d);
        const double r = std::sqrt(dot(d, d)), dr = r - (double)r0[b];
        e_bond += 0.5 * (double)kb[b] * dr * dr;
        const double s = (double)kb[b] * dr / r;  // dE/dr_j = k (r - r0) d / r
        add(grad, j, d, s);
        add(grad, i, d, -s);
    }
    for (int64_t a = 0; a < n_angles; ++a) {
        const int64_t i = angles[3 * a], j = angles[3 * a + 1], k = angles[3 * a + 2];
        double u[3], v[3], c[3];
        vec(R, j, i, box, u);
        vec(R, j, k, box, v);
        cross(u, v, c);
        const double uu = dot(u, u), vv = dot(v, v), uv = dot(u, v), cn = std::sqrt(dot(c, c));
        const double theta = std::atan2(cn, uv), dth = theta - (double)theta0[a];
        e_angle += 0.5 * (double)ka[a] * dth * dth;
        const double s = (double)ka[a] * dth;  // dE/dtheta
        // dtheta/du = -(v |u|^2 - u (u.v)) / (|u|^2 |u x v|), and symmetrically for v
        double gi[3], gk[3], gj[3];
        for (int q = 0; q < 3; ++q) {
            gi[q] = -(v[q] * uu - u[q] * uv) / (uu * cn);
            gk[q] = -(u[q] * vv - v[q] * uv) / (vv * cn);
            gj[q] = -(gi[q] + gk[q]);
        }
        add(grad, i, gi, s);
        add(grad, k, gk, s);
        add(grad, j, gj, s);
    }
    for (int64_t t = 0; t < n_torsions; ++t) {
        const int64_t i = torsions[4 * t], j = torsions[4 * t + 1], k = torsions[4 * t + 2], l = torsions[4 * t + 3];
        double b1[3], b2[3], b3[3], n1[3], n2[3];
        vec(R, i, j, box, b1);
        vec(R, j, k, box, b2);
        vec(R, k, l, box, b3);
        cross(b1, b2, n1);
        cross(b2, b3, n2);
        const double b2n = std::sqrt(dot(b2, b2));
        const double phi = std::atan2(b2n * dot(b1, n2), dot(n1, n2));
        const double arg = (double)periodicity[t] * phi - (double)phase[t];
        e_torsion += (double)kt[t] * (1 + std::cos(arg));
        const double s = -(double)kt[t] * (double)periodicity[t] * std::sin(arg);  // dE/dphi
        const double n1n = dot(n1, n1), n2n = dot(n2, n2);
        double gi[3], gl[3], gj[3], gk[3];
        // with b1 = r_j - r_i, b2 = r_k - r_j, b3 = r_l - r_k: p = b1.b2 / |b2|^2, r = b3.b2 / |b2|^2
        const double p = dot(b1, b2) / (b2n * b2n), r = dot(b3, b2) / (b2n * b2n);
        for (int q = 0; q < 3; ++q) {
            gi[q] = -b2n / n1n * n1[q];
            gl[q] = b2n / n2n * n2[q];
        }
        for (int q = 0; q < 3; ++q) {
            gj[q] = -(p + 1) * gi[q] + r * gl[q];
            gk[q] = -(r + 1) * gl[q] + p * gi[q];
        }
        add(grad, i, gi, s);
        add(grad, j, gj, s);
        add(grad, k, gk, s);
        add(grad, l, gl, s);
    }
    energy[0] = e_bond;
    energy[1] = e_angle;
    energy[2] = e_torsion;
}

extern "C" {
void bonded_sum_f32(const float* R, const double* box, const int64_t* bonds, int64_t n_bonds, const float* kb,
                    const float* r0, const int64_t* angles, int64_t n_angles, const float* ka, const float* theta0,
                    const int64_t* torsions, int64_t n_torsions, const float* kt, const float* periodicity,
                    const float* phase, float* grad, double* energy) {
    bonded_sum<float>(R, box, bonds, n_bonds, kb, r0, angles, n_angles, ka, theta0, torsions, n_torsions, kt,
                      periodicity, phase, grad, energy);
}
void bonded_sum_f64(const double* R, const double* box, const int64_t* bonds, int64_t n_bonds, const double* kb,
                    const double* r0, const int64_t* angles, int64_t n_angles, const double* ka,
                    const double* theta0, const int64_t* torsions, int64_t n_torsions, const double* kt,
                    const double* periodicity, const double* phase, double* grad, double* energy) {
    bonded_sum<double>(R, box, bonds, n_bonds, kb, r0, angles, n_angles, ka, theta0, torsions, n_torsions, kt,
                       periodicity, phase, grad, energy);
}
}
