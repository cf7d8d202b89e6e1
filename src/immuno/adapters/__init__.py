"""Adapters that put immuno around agent frameworks' tools, runs and outputs.

Each adapter imports its framework only in its own module, so ``import immuno``
never needs one:

* :mod:`immuno.adapters.langchain`: LangChain tools and LangGraph agents
  (``pip install 'immuno[langchain]'``);
* :mod:`immuno.adapters.openai_agents`: the OpenAI Agents SDK
  (``pip install 'immuno[openai-agents]'``).
"""
