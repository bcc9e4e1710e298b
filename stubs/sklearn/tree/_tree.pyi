import numpy as np
import numpy.typing as npt

class Tree:
    """A fitted tree's arrays (`estimator.tree_`), indexed by node id (the root is 0)."""

    node_count: int
    n_outputs: int
    #: -1 (TREE_LEAF) for leaves.
    children_left: npt.NDArray[np.intp]
    children_right: npt.NDArray[np.intp]
    #: The feature a node splits on (-2 for leaves).
    feature: npt.NDArray[np.intp]
    threshold: npt.NDArray[np.float64]
    #: (nodes, outputs, classes): class proportions (classifiers) or the mean (regressors).
    value: npt.NDArray[np.float64]
    n_node_samples: npt.NDArray[np.intp]
    weighted_n_node_samples: npt.NDArray[np.float64]
