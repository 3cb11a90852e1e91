"""Every sentence the custom actions say, in one place for curators to review.

Texts with a ``{placeholder}`` are filled by the answer service; everything else is said as it is.
(The fixed replies Rasa says by itself stay in ``domain.yml`` under ``responses``.)
"""

from __future__ import annotations

# --- answers -------------------------------------------------------------------------------------
FEEDBACK_QUESTION = "Câu trả lời có hữu ích không ạ?"
FEEDBACK_GOOD_BUTTON = "Hữu ích"
FEEDBACK_BAD_BUTTON = "Chưa đúng ý"
FOLLOW_UP_BUTTONS = {
    "ho_so": "Cần giấy tờ gì?",
    "le_phi": "Lệ phí bao nhiêu?",
    "thoi_han": "Mất bao lâu?",
    "noi_nop": "Nộp ở đâu?",
    "truc_tuyen": "Làm trực tuyến được không?",
}
"""Other topics of a procedure offered after an answer, in this order (at most three shown)."""

UNKNOWN = (
    "Dạ, em chưa tìm thấy thông tin này trong cơ sở dữ liệu thủ tục hành chính của tỉnh, "
    "nên em không dám trả lời để tránh sai sót ạ. Anh/chị có thể hỏi lại cụ thể hơn (tên "
    "thủ tục, việc cần làm), tra cứu trên Cổng dịch vụ công "
    "({portal}), hoặc để em chuyển câu hỏi tới cán bộ hỗ trợ. "
    "Anh/chị có muốn gặp cán bộ không ạ?"
)
NO_THANKS_BUTTON = "Không, cảm ơn"
CHOICES = "Dạ, anh/chị muốn hỏi về thủ tục nào dưới đây ạ?"
GUESS = "Dạ, em chưa chắc đã hiểu đúng ý anh/chị. Thông tin gần nhất em tìm được là:"
GUESS_OTHERS = "Nếu chưa đúng ý, anh/chị chọn thủ tục khác dưới đây ạ:"
NONE_OF_THESE_BUTTON = "Không phải các mục trên"
WHICH_PROCEDURE = (
    "Dạ, anh/chị đang hỏi về thủ tục nào ạ? Anh/chị cho em biết tên thủ tục "
    '(ví dụ: "đăng ký khai sinh"), em sẽ trả lời ngay.'
)
OUT_OF_SCOPE = (
    "Dạ, câu hỏi này nằm ngoài phạm vi thủ tục hành chính và dịch vụ công nên em chưa "
    "trả lời được ạ. Em có thể giúp anh/chị tìm hiểu giấy tờ, lệ phí, thời hạn, nơi nộp "
    "của các thủ tục, hoặc tra cứu tình trạng hồ sơ. Cổng dịch vụ công: {portal}"
)
CHECK_DOSSIER_BUTTON = "Tra cứu hồ sơ"
REMINDER = "Mình đang trao đổi về thủ tục {name} (mã {code}). Anh/chị hỏi tiếp nhé:"

# --- feedback and hand-over ----------------------------------------------------------------------
THANKS_FOR_FEEDBACK = "Dạ, em cảm ơn anh/chị đã phản hồi ạ."
SORRY_NOT_HELPFUL = (
    "Dạ, em xin lỗi vì câu trả lời chưa đúng ý. Em đã ghi nhận để cán bộ rà soát. "
    "Anh/chị có thể hỏi lại cụ thể hơn, xem trên Cổng dịch vụ công "
    "({portal}) hoặc gặp cán bộ hỗ trợ ạ."
)
HANDOVER_OPENED = (
    "Dạ, em đã chuyển yêu cầu của anh/chị tới cán bộ hỗ trợ (mã yêu cầu YC-{request}). "
    "Cán bộ sẽ trả lời ngay trong cuộc trò chuyện này trong giờ hành chính; anh/chị "
    "không cần nhắn lại. Nếu việc gấp, anh/chị có thể liên hệ bộ phận một cửa qua "
    "thông tin trên Cổng dịch vụ công: {portal}"
)
STAFF_CLOSED = (
    "Dạ, hiện đang ngoài giờ làm việc nên chưa có cán bộ trực để trả lời anh/chị ngay. "
    "Cán bộ làm việc {hours}. Em đã ghi nhận yêu cầu (mã YC-{request}); để cán bộ chủ động "
    "liên hệ lại, anh/chị có thể để lại câu hỏi cùng số điện thoại hoặc email ạ."
)
STAFF_OFFLINE = (
    "Dạ, hiện chưa có cán bộ nào đang trực tuyến để trả lời anh/chị ngay. Em đã ghi nhận yêu "
    "cầu (mã YC-{request}); để cán bộ chủ động liên hệ lại, anh/chị có thể để lại câu hỏi "
    "cùng số điện thoại hoặc email ạ."
)
ASK_CALLBACK_QUESTION = "Dạ, anh/chị cần cán bộ hỗ trợ việc gì ạ? Anh/chị nhắn câu hỏi giúp em."
ASK_CALLBACK_CONTACT = (
    "Dạ, anh/chị vui lòng để lại số điện thoại (ví dụ 0912 345 678) hoặc địa chỉ email để cán "
    'bộ liên hệ lại. Nếu không cần, anh/chị nhắn "thôi" ạ.'
)
CONTACT_NOT_RECOGNISED = (
    "Dạ, em chưa nhận ra số điện thoại hay email trong tin nhắn vừa rồi. Số điện thoại gồm "
    "10 chữ số bắt đầu bằng 0 (ví dụ 0912 345 678) hoặc bắt đầu bằng +84; email có dạng "
    "ten@vidu.vn."
)
CALLBACK_SAVED = (
    "Dạ, em đã ghi nhận đề nghị gọi lại (mã yêu cầu YC-{request}). Cán bộ sẽ liên hệ với "
    'anh/chị qua {contact} trong giờ làm việc sớm nhất để trả lời câu hỏi: "{question}". '
    "Anh/chị không cần nhắn lại ạ."
)

# --- dossier status ------------------------------------------------------------------------------
CODE_EXAMPLE = "000.00.20.H37-250612-0001"
ASK_CODE = (
    "Dạ, anh/chị vui lòng nhập mã hồ sơ in trên giấy tiếp nhận (ví dụ: "
    f'{CODE_EXAMPLE}). Muốn dừng, anh/chị nhắn "thôi" ạ.'
)
REASK_CODE = (
    "Dạ, mã vừa nhập chưa đúng định dạng mã hồ sơ. Mã hồ sơ in trên giấy tiếp nhận, "
    f"có dạng {CODE_EXAMPLE} (mã cơ quan – ngày nộp – số thứ tự). Anh/chị nhập lại "
    'giúp em, hoặc nhắn "thôi" để dừng ạ.'
)
CODE_NOT_RECOGNISED = (
    "Dạ, em vẫn chưa nhận ra mã hồ sơ. Anh/chị có thể tra cứu trực tiếp trên Cổng "
    "dịch vụ công ({portal}) hoặc nhờ cán bộ hỗ trợ ạ."
)
DOSSIER_NOT_FOUND = (
    "Dạ, em không tìm thấy hồ sơ mã {code}. Anh/chị vui lòng kiểm tra lại mã "
    "trên giấy tiếp nhận hồ sơ ạ."
)
DOSSIER_CODE_INVALID = f"Dạ, mã hồ sơ chưa đúng định dạng (ví dụ đúng: {CODE_EXAMPLE})."
RETYPE_CODE_BUTTON = "Nhập lại mã"
TOO_MANY_DOSSIERS = (
    "Dạ, anh/chị đã tra cứu nhiều hồ sơ khác nhau trong thời gian ngắn. Anh/chị "
    "vui lòng thử lại sau khoảng {wait} ạ."
)
PORTAL_DOWN = (
    "Dạ, hệ thống tra cứu hồ sơ đang tạm gián đoạn nên em chưa tra được. Anh/chị vui lòng thử "
    "lại sau ít phút, hoặc tra cứu trực tiếp trên Cổng dịch vụ công: {portal}"
)
ASK_LAST4 = (
    "Dạ, để xem bước xử lý, hạn trả kết quả, việc cần làm và lịch sử hồ sơ, anh/chị vui lòng "
    "nhập 4 số cuối của số điện thoại đã khai khi nộp hồ sơ ạ."
)
ASK_ASCII_LAST4 = (
    "Dạ, em chưa đọc được các chữ số vừa nhập. Anh/chị vui lòng gõ 4 số cuối của số điện thoại "
    "bằng chữ số thông thường 0–9 (ví dụ: 5678) ạ."
)
CODE_BEFORE_LAST4 = "Dạ, anh/chị cho em xin mã hồ sơ trước, sau đó mới xác minh 4 số cuối ạ."
LAST4_MISMATCH = "Dạ, 4 số vừa nhập chưa khớp với hồ sơ.{left}"
LAST4_ATTEMPTS_LEFT = " Anh/chị còn {attempts} lần thử."
LAST4_LOCKED = (
    "Dạ, đã nhập sai quá số lần cho phép nên việc xác minh tạm khóa. Anh/chị vui "
    "lòng thử lại sau khoảng {wait} ạ."
)
STATUS_HEADER = "Dạ, hồ sơ {code} – {procedure}:"
STATUS_LINE = "- Trạng thái: {status}"
DETAILS_HEADER = "Dạ, hồ sơ {code} – {procedure} (đã xác minh):"
DETAILS_STEP = "- Bước hiện tại: {step}"
DETAILS_AGENCY = "- Cơ quan tiếp nhận: {agency}"
DETAILS_DATES = "- Ngày nộp: {submitted}; hạn trả kết quả: {due}"
DETAILS_NEXT = "- Việc anh/chị cần làm: {text}"
DETAILS_DOCUMENTS = "  Giấy tờ cần bổ sung: {documents}"
DETAILS_FEE = "  Số tiền cần nộp: {fee}"
DETAILS_APPLICANT = "- Người nộp: {name}"
DETAILS_PHONE = "- Số điện thoại: {phone}"
DETAILS_ADDRESS = "- Địa chỉ: {address}"
DETAILS_HISTORY = "- Quá trình xử lý:"
