"""Search: embed, index lexically and densely, retrieve, fuse, rerank.

``embed`` holds the embedder backends, ``lexical`` the jieba + BM25 index,
``stores`` the vector stores (FAISS, Milvus) by name, ``index`` the index
folder's lifecycle, ``retrieve`` the hybrid search with rank fusion and
``rerank`` the rerankers applied to the fused list.
"""
