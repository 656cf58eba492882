"""tfgan_anime: DCGAN, WGAN and WGAN-GP image generators in TensorFlow 2 / Keras 3."""

import os

import setuptools

HERE = os.path.dirname(os.path.abspath(__file__))

setuptools.setup(
    name='tfgan_anime',
    version='0.1.0',
    description='Train DCGAN, WGAN and WGAN-GP image generators on anime faces or any image folder.',
    long_description=open(os.path.join(HERE, 'README.md'), encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    packages=setuptools.find_packages(include=['tfgan_anime', 'tfgan_anime.*']),
    # The experiment flagfiles: `--flagfile=wgan_gp.cfg` finds them in an installed package.
    package_data={'tfgan_anime': ['configs/*.cfg']},
    python_requires='>=3.10',
    install_requires=[
        'tensorflow>=2.16',  # Keras 3 as tf.keras.
        'keras>=3.0',
        'tensorboard',  # TensorFlow 2.21 no longer pulls it in; tf.summary.image needs it.
        'numpy',
        'pillow',  # Drawing the synthetic faces; writing PNG grids.
        'tensorflow-datasets',
        'absl-py',
        'scipy',  # scipy.linalg.sqrtm for FID.
        'matplotlib',  # tfgan_anime.compare: sample tables and training curves (Agg, no display).
    ],
    extras_require={'test': ['pytest']},
)
