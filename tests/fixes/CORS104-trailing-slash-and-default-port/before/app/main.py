from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

app = FastAPI()
app.add_middleware(
    CORSMiddleware,
    allow_origins=["https://app.example.com/", "https://admin.example.com:443", "http://localhost:5173"],
    allow_methods=["GET"],
)
