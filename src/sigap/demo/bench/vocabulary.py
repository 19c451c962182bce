"""The words, names and weights bench-seed tickets are made of (Indonesian e-commerce)."""

from __future__ import annotations

TEAMS = [
    ("bench-pengiriman", "Bench Pengiriman"),
    ("bench-pembayaran", "Bench Pembayaran"),
    ("bench-teknis", "Bench Layanan Teknis"),
    ("bench-umum", "Bench Layanan Umum"),
]
FIRST = [
    "Budi",
    "Siti",
    "Agus",
    "Dewi",
    "Rina",
    "Andi",
    "Putu",
    "Made",
    "Yohanes",
    "Fitri",
    "Rahmat",
    "Intan",
    "Hendra",
    "Wulan",
    "Bayu",
    "Nur",
    "Teguh",
    "Lestari",
    "Ketut",
    "Rizky",
    "Maria",
    "Ahmad",
    "Sri",
    "Joko",
    "Ayu",
    "Dimas",
    "Nadia",
    "Fajar",
    "Citra",
    "Gilang",
]
LAST = [
    "Santoso",
    "Rahmawati",
    "Wijaya",
    "Siregar",
    "Nasution",
    "Saputra",
    "Hidayat",
    "Lubis",
    "Kusuma",
    "Pratama",
    "Simanjuntak",
    "Wibowo",
    "Tanjung",
    "Harahap",
    "Setiawan",
    "Halim",
    "Gunawan",
    "Sembiring",
    "Pangaribuan",
    "Manurung",
    "Daeng",
    "Sitompul",
    "Purba",
    "Tan",
]
CITIES = [
    "Jakarta",
    "Bandung",
    "Surabaya",
    "Medan",
    "Makassar",
    "Denpasar",
    "Yogyakarta",
    "Semarang",
    "Palembang",
    "Balikpapan",
    "Manado",
    "Jayapura",
    "Padang",
    "Pontianak",
]
PRODUCTS = [
    "sepatu lari",
    "kulkas dua pintu",
    "ponsel",
    "power bank",
    "rice cooker",
    "kemeja batik",
    "laptop",
    "kipas angin",
    "susu formula",
    "helm",
    "karpet",
    "printer",
]
COURIERS = ["kurir Belanjaku Express", "ekspedisi reguler", "kurir instan", "kurir kargo"]
SUBJECTS = {
    "pengiriman": [
        "Paket {product} belum sampai",
        "Pengiriman {product} terlambat {days} hari",
        "Paket rusak saat diterima di {city}",
        "Kurir tidak datang di {city}",
        "Resi tidak bisa dilacak",
        "Barang salah kirim: pesan {product}",
    ],
    "pembayaran": [
        "Saldo terpotong dua kali Rp {amount}",
        "Refund Rp {amount} belum masuk",
        "Pembayaran gagal tapi dana terpotong",
        "Tagihan cicilan tidak sesuai",
        "Voucher tidak bisa dipakai",
        "Transfer bank belum terverifikasi",
    ],
    "teknis": [
        "Aplikasi keluar sendiri saat checkout",
        "Tidak bisa login, kode OTP tidak masuk",
        "{product} tidak menyala setelah dua hari",
        "Garansi {product} ditolak",
        "Notifikasi pesanan tidak muncul",
        "Halaman pembayaran error 500",
    ],
    "umum": [
        "Cara retur {product}",
        "Jam operasional layanan pelanggan",
        "Ganti alamat pengiriman ke {city}",
        "Minta faktur pajak pesanan",
        "Petugas kurang ramah di gerai {city}",
        "Hapus data pribadi saya",
    ],
}
DESCRIPTIONS = [
    "Halo min, pesanan {order} berisi {product} belum saya terima padahal sudah {days} hari. "
    "Tolong dicek ya, saya tinggal di {city}.",
    "Selamat siang, saya ingin menyampaikan keluhan terkait pesanan {order}. Barang dikirim "
    "lewat {courier} dan statusnya tidak berubah sejak {days} hari lalu.",
    "Kak, dana Rp {amount} sudah terpotong dari rekening tapi pesanan {order} masih menunggu "
    "pembayaran. Mohon segera diproses.",
    "Saya kecewa, {product} yang saya terima tidak sesuai deskripsi dan kemasannya penyok. "
    "Nomor pesanan {order}. Saya minta penggantian.",
    "Mohon bantuannya, aplikasi selalu gagal saat pembayaran {product}. Sudah saya coba "
    "berkali-kali dari {city}.",
    "Bagaimana cara mengajukan retur untuk {product}? Pesanan {order}, diterima {days} hari lalu.",
]
REPLIES = [
    "Terima kasih sudah menghubungi kami, Kak. Kami sedang memeriksa pesanan {order} dengan "
    "tim terkait dan akan mengabari paling lambat besok.",
    "Mohon maaf atas ketidaknyamanannya. Kami sudah meneruskan kasus ini ke tim {team} dan "
    "memastikan {product} Anda ditangani hari ini.",
    "Kami sudah mengajukan pengembalian dana Rp {amount}; dana masuk dalam 3 hari kerja.",
]
NOTES = [
    "Sudah cek ke gudang, paket tertahan di hub {city}.",
    "Eskalasi ke mitra {courier}; menunggu konfirmasi.",
    "Pelanggan loyal, prioritaskan penyelesaian.",
]
FOLLOWUPS = [
    "Sudah ada kabar belum, min? Saya butuh {product} ini untuk minggu depan.",
    "Baik, saya tunggu. Terima kasih.",
    "Kenapa belum ada jawaban? Sudah {days} hari saya menunggu.",
]
CHANNELS = [
    ("email", 24),
    ("whatsapp", 30),
    ("livechat", 14),
    ("phone", 10),
    ("portal", 8),
    ("instagram", 5),
    ("facebook", 3),
    ("telegram", 3),
    ("x", 3),
]
STATUSES = [
    ("closed", 55),
    ("resolved", 12),
    ("in_progress", 9),
    ("waiting_customer", 7),
    ("confirmed", 4),
    ("recorded", 4),
    ("new", 9),
]
PATH = ["new", "recorded", "confirmed", "in_progress", "resolved", "closed"]
TAGS = [
    "paket-hilang",
    "paket-rusak",
    "refund",
    "cod",
    "retur",
    "otp",
    "garansi",
    "voucher",
    "kurir",
    "tagihan-ganda",
    "vip",
    "media-sosial",
    "salah-kirim",
    "cicilan",
    "faktur",
    "uu-pdp",
    "promo",
    "aplikasi",
    "gerai",
    "ongkir",
    "pengembalian",
    "tukar-barang",
    "keterlambatan",
    "login",
    "saldo",
    "kemasan",
    "alamat",
    "jam-operasional",
    "error",
    "berulang",
]
