FROM python:3.11-slim
WORKDIR /app
ENV PIP_NO_CACHE_DIR=1 PYTHONUNBUFFERED=1
# The CPU build of torch first, so sentence-transformers does not pull a CUDA build.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
COPY pyproject.toml README.md ./
COPY bots bots
COPY nlu nlu
COPY dialogue dialogue
COPY ticket_core ticket_core
COPY kb_search kb_search
COPY storage storage
COPY helpdesk helpdesk
COPY alembic.ini ./
RUN pip install .
EXPOSE 8080
CMD ["helpdesk", "run"]
