"""An example third-party aqabench plugin (method ``attn-pool``, dataset ``wave-synth``)."""
